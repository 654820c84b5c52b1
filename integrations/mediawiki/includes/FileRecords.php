<?php

namespace MediaWiki\Extension\ModerationCluster;

use stdClass;
use Wikimedia\Rdbms\ILoadBalancer;

/** The moderation_cluster_file table: one row per submitted file version. */
class FileRecords {
	public const TABLE = 'moderation_cluster_file';

	private ILoadBalancer $lb;

	public function __construct( ILoadBalancer $lb ) {
		$this->lb = $lb;
	}

	/** The external id sent for a file version: its page title and its timestamp, e.g. File:Sunset.jpg/20261127223000. */
	public static function externalId( string $prefixedDbKey, string $timestamp ): string {
		return $prefixedDbKey . '/' . $timestamp;
	}

	/** Records a submission before it is sent, so a callback that overtakes ingest's answer finds its row. */
	public function recordSubmission( string $externalId, string $dbKey, string $timestamp ): void {
		$dbw = $this->lb->getConnection( DB_PRIMARY );
		$now = $dbw->timestamp();
		$dbw->insert( self::TABLE, [
			'mcf_external_id' => $externalId,
			'mcf_title' => $dbKey,
			'mcf_file_timestamp' => $dbw->timestamp( $timestamp ),
			'mcf_submitted' => $now,
			'mcf_updated' => $now,
		], __METHOD__, [ 'IGNORE' ] );
	}

	public function setMediaId( string $externalId, string $mediaId ): void {
		$dbw = $this->lb->getConnection( DB_PRIMARY );
		$dbw->update( self::TABLE, [ 'mcf_media_id' => $mediaId ], [ 'mcf_external_id' => $externalId ], __METHOD__ );
	}

	public function find( string $externalId ): ?stdClass {
		$row = $this->lb->getConnection( DB_PRIMARY )->selectRow( self::TABLE, '*', [ 'mcf_external_id' => $externalId ], __METHOD__ );
		return $row ?: null;
	}

	/** Stores what applying an event changed. */
	public function update( string $externalId, array $fields ): void {
		$dbw = $this->lb->getConnection( DB_PRIMARY );
		$dbw->update( self::TABLE, $fields + [ 'mcf_updated' => $dbw->timestamp() ], [ 'mcf_external_id' => $externalId ], __METHOD__ );
	}
}
