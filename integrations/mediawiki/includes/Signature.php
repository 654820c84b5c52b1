<?php

namespace MediaWiki\Extension\ModerationCluster;

/**
 * The cluster's HMAC signatures, both ways: X-Moderation-Signature is "sha256=" and the lower-case hex HMAC-SHA256,
 * keyed by the shared secret, of "{timestamp}.{raw body}", with the Unix-seconds timestamp in X-Moderation-Timestamp.
 * During a secret rotation results lists two signatures, comma-separated; one matching the secret held here suffices.
 */
class Signature {
	public const PREFIX = 'sha256=';

	public static function compute( string $secret, int $timestamp, string $body ): string {
		return self::PREFIX . hash_hmac( 'sha256', $timestamp . '.' . $body, $secret );
	}

	/**
	 * Whether a delivery is authentic and fresh: recomputed over the raw body, compared in constant time with each
	 * listed signature, and refused when the timestamp is more than $tolerance seconds away from $now.
	 */
	public static function verify(
		string $secret, string $timestampHeader, string $body, string $signatureHeader, int $now, int $tolerance
	): bool {
		if ( $secret === '' || !preg_match( '/^\d{1,12}$/', $timestampHeader ) ) {
			return false;
		}

		$timestamp = (int)$timestampHeader;
		if ( abs( $now - $timestamp ) > $tolerance ) {
			return false;
		}

		$expected = self::compute( $secret, $timestamp, $body );
		$matched = false;
		foreach ( explode( ',', $signatureHeader ) as $signature ) {
			$matched = hash_equals( $expected, trim( $signature ) ) || $matched;
		}

		return $matched;
	}
}
