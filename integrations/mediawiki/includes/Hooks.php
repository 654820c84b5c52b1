<?php

namespace MediaWiki\Extension\ModerationCluster;

use Config;
use DeferredUpdates;
use JobQueueGroup;
use MediaWiki\Hook\UploadCompleteHook;
use MWExceptionHandler;
use Throwable;

/**
 * Submits every completed upload to the moderation cluster. The submission runs after the upload's response has been
 * sent (ingest fetches the file back from this wiki meanwhile, so the uploader never waits for it); when the cluster
 * cannot take it right now, the same work is queued as a job, which the job queue retries.
 */
class Hooks implements UploadCompleteHook {
	private Config $config;
	private JobQueueGroup $jobs;

	public function __construct( Config $config, JobQueueGroup $jobs ) {
		$this->config = $config;
		$this->jobs = $jobs;
	}

	/** @inheritDoc */
	public function onUploadComplete( $uploadBase ) {
		if ( $this->config->get( 'ModerationClusterHookUrl' ) === '' ) {
			return;
		}

		$file = $uploadBase->getLocalFile();
		if ( !$file || !$file->exists() ) {
			return;
		}

		$job = new SubmitJob( $file->getTitle(), [ 'timestamp' => $file->getTimestamp() ] );
		$jobs = $this->jobs;
		DeferredUpdates::addCallableUpdate( static function () use ( $job, $jobs ) {
			try {
				$submitted = $job->run();
			} catch ( Throwable $e ) {
				MWExceptionHandler::logException( $e );
				$submitted = false;
			}

			if ( !$submitted ) {
				$jobs->push( $job );
			}
		}, DeferredUpdates::POSTSEND );
	}
}
