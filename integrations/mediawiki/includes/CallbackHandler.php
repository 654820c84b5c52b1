<?php

namespace MediaWiki\Extension\ModerationCluster;

use Config;
use FormatJson;
use MediaWiki\MediaWikiServices;
use MediaWiki\Rest\Handler;
use MediaWiki\Rest\Response;

/**
 * POST /moderation/v1/callback (rest.php): where the cluster's results service posts verdicts and failures. The
 * signature is the only authentication, so the route needs neither a session nor read or write rights of an anonymous
 * user. Answers: 200 applied (or already applied: redeliveries are harmless), 401 bad or stale signature, 400 a body
 * that is not an event, 410 for a medium this wiki never submitted (results then stops delivering it), 503 while no
 * callback secret is configured; anything that fails while acting is a 500, which results retries.
 */
class CallbackHandler extends Handler {
	private Config $config;

	public function __construct( Config $config ) {
		$this->config = $config;
	}

	public function execute(): Response {
		$request = $this->getRequest();
		$secret = (string)$this->config->get( 'ModerationClusterCallbackSecret' );
		if ( $secret === '' ) {
			return $this->answer( 503, 'no-secret', '$wgModerationClusterCallbackSecret is not set.' );
		}

		$body = $request->getBody()->getContents();
		if ( !Signature::verify( $secret, $request->getHeaderLine( 'X-Moderation-Timestamp' ), $body,
			$request->getHeaderLine( 'X-Moderation-Signature' ), time(), (int)$this->config->get( 'ModerationClusterCallbackTolerance' ) )
		) {
			return $this->answer( 401, 'invalid-signature', 'The signature does not match, or the timestamp is stale.' );
		}

		$event = FormatJson::decode( $body, true );
		$name = is_array( $event ) ? ( $event['event'] ?? null ) : null;
		$externalId = is_array( $event ) ? ( $event['externalId'] ?? null ) : null;
		$occurredAt = VerdictApplier::microseconds( is_array( $event ) ? (string)( $event['occurredAt'] ?? '' ) : '' );
		if ( !in_array( $name, [ 'verdict.reached', 'media.failed' ], true ) || !is_string( $externalId ) || $occurredAt === null ) {
			return $this->answer( 400, 'invalid-event', 'Expected a verdict.reached or media.failed event with externalId and occurredAt.' );
		}

		$services = MediaWikiServices::getInstance();
		$applier = VerdictApplier::newFromServices( $services, new FileRecords( $services->getDBLoadBalancer() ) );
		$mediaId = (string)( $event['mediaId'] ?? '' );
		$outcome = $name === 'media.failed'
			? $applier->apply( $externalId, 'failed', false, $mediaId, $occurredAt, (string)( $event['failure']['reason'] ?? 'failed' ) )
			: $applier->apply( $externalId, (string)( $event['decision'] ?? '' ), (bool)( $event['byReviewer'] ?? false ), $mediaId, $occurredAt, null );
		if ( $outcome === 'unknown' ) {
			return $this->answer( 410, 'unknown-medium', "This wiki did not submit '$externalId'." );
		}

		return $this->getResponseFactory()->createJson( [ 'status' => $outcome ] );
	}

	private function answer( int $status, string $type, string $detail ): Response {
		$response = $this->getResponseFactory()->createJson( [ 'type' => $type, 'detail' => $detail ] );
		$response->setStatus( $status );
		return $response;
	}

	/** Authenticated by its signature, not by a user: private wikis and wikis closed to anonymous edits still get callbacks. */
	public function needsReadAccess() {
		return false;
	}

	/** @inheritDoc */
	public function needsWriteAccess() {
		return false;
	}
}
