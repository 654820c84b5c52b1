<?php

namespace MediaWiki\Extension\ModerationCluster;

use Job;
use MediaWiki\MediaWikiServices;
use Title;

/**
 * Submits one file version (the job's title and its 'timestamp' parameter) to the moderation cluster. Runs first right
 * after the upload; queued and retried by the job queue only when the cluster did not take it then.
 */
class SubmitJob extends Job {
	public function __construct( Title $title, array $params ) {
		parent::__construct( 'moderationClusterSubmit', $title, $params );
		$this->removeDuplicates = true;
	}

	/** @inheritDoc */
	public function run() {
		return Submitter::newFromServices( MediaWikiServices::getInstance() )
			->submit( $this->getTitle(), (string)$this->params['timestamp'] );
	}
}
