<?php

namespace MediaWiki\Extension\ModerationCluster;

use Config;
use File;
use FormatJson;
use MediaWiki\Http\HttpRequestFactory;
use MediaWiki\Logger\LoggerFactory;
use MediaWiki\MediaWikiServices;
use Psr\Log\LoggerInterface;
use RepoGroup;
use Title;

/**
 * Sends one file version to ingest's signed upload hook: the file's URL (ingest fetches it), the file page and
 * version as external id, and this wiki's callback URL. An answer with a verdict (content judged before) is applied at
 * once; a refusal that will not change on retry is recorded as a failure; anything else is retried by the job queue.
 */
class Submitter {
	private Config $config;
	private HttpRequestFactory $http;
	private RepoGroup $repos;
	private FileRecords $records;
	private VerdictApplier $applier;
	private LoggerInterface $logger;

	public function __construct(
		Config $config, HttpRequestFactory $http, RepoGroup $repos, FileRecords $records, VerdictApplier $applier, LoggerInterface $logger
	) {
		$this->config = $config;
		$this->http = $http;
		$this->repos = $repos;
		$this->records = $records;
		$this->applier = $applier;
		$this->logger = $logger;
	}

	public static function newFromServices( MediaWikiServices $services ): self {
		$config = $services->getMainConfig();
		$records = new FileRecords( $services->getDBLoadBalancer() );
		return new self(
			$config,
			$services->getHttpRequestFactory(),
			$services->getRepoGroup(),
			$records,
			VerdictApplier::newFromServices( $services, $records ),
			LoggerFactory::getInstance( 'ModerationCluster' )
		);
	}

	/** @return bool false when the submission should be retried later */
	public function submit( Title $title, string $timestamp ): bool {
		$file = $this->findVersion( $title, $timestamp );
		if ( $file === null ) {
			$this->logger->info( 'Not submitting {title} of {timestamp}: that version no longer exists', [
				'title' => $title->getPrefixedDBkey(), 'timestamp' => $timestamp ] );
			return true;
		}

		$externalId = FileRecords::externalId( $title->getPrefixedDBkey(), $timestamp );
		$this->records->recordSubmission( $externalId, $title->getDBkey(), $timestamp );
		$body = FormatJson::encode( array_filter( [
			'url' => $this->fileUrl( $file ),
			'externalId' => $externalId,
			'callbackUrl' => $this->callbackUrl(),
			'priority' => $this->config->get( 'ModerationClusterPriority' ),
			'policy' => $this->config->get( 'ModerationClusterPolicy' ),
			'deliveryId' => bin2hex( random_bytes( 16 ) ),
		], static fn ( $value ) => $value !== null && $value !== '' ) );

		$now = time();
		$request = $this->http->create( $this->config->get( 'ModerationClusterHookUrl' ), [
			'method' => 'POST',
			'postData' => $body,
			'timeout' => $this->config->get( 'ModerationClusterTimeout' ),
			'followRedirects' => false,
		], __METHOD__ );
		$request->setHeader( 'Content-Type', 'application/json' );
		$request->setHeader( 'X-Moderation-Client', $this->config->get( 'ModerationClusterClientId' ) );
		$request->setHeader( 'X-Moderation-Timestamp', (string)$now );
		$request->setHeader( 'X-Moderation-Signature',
			Signature::compute( $this->config->get( 'ModerationClusterHookSecret' ), $now, $body ) );
		$status = $request->execute();
		$code = (int)$request->getStatus();
		$answer = FormatJson::decode( (string)$request->getContent(), true );
		$answer = is_array( $answer ) ? $answer : [];

		if ( $code === 202 || $code === 200 ) {
			$mediaId = (string)( $answer['mediaId'] ?? '' );
			if ( $mediaId !== '' ) {
				$this->records->setMediaId( $externalId, $mediaId );
			}

			// A duplicate of content judged before: nothing is queued and no callback follows, so act on it now.
			$verdict = $answer['verdict'] ?? null;
			if ( $code === 200 && is_array( $verdict ) && isset( $verdict['decision'] ) ) {
				$this->applier->apply( $externalId, (string)$verdict['decision'], (bool)( $verdict['byReviewer'] ?? false ),
					$mediaId, VerdictApplier::microseconds( (string)( $verdict['decidedAt'] ?? '' ) ) ?? 1, null );
			}

			return true;
		}

		// Refusals that a retry cannot change: record them, and let a person look at the file.
		if ( $code === 400 || $code === 413 || $code === 415 || $code === 422 ) {
			$reason = (string)( $answer['type'] ?? "HTTP $code" );
			$this->logger->warning( 'The moderation cluster refused {externalId}: {code} {detail}', [
				'externalId' => $externalId, 'code' => $code, 'detail' => $answer['detail'] ?? '' ] );
			$this->applier->refused( $externalId, $code === 415, preg_replace( '/^urn:moderation:problem:/', '', $reason ) );
			return true;
		}

		$this->logger->warning( 'Submitting {externalId} to the moderation cluster failed ({code}): {errors}; it will be retried', [
			'externalId' => $externalId, 'code' => $code, 'errors' => $status->isOK() ? ( $answer['detail'] ?? '' ) : (string)$status ] );
		return false;
	}

	private function findVersion( Title $title, string $timestamp ): ?File {
		$current = $this->repos->getLocalRepo()->newFile( $title );
		if ( !$current || !$current->exists() ) {
			return null;
		}

		if ( $current->getTimestamp() === $timestamp ) {
			return $current;
		}

		foreach ( $current->getHistory() as $old ) {
			if ( $old->getTimestamp() === $timestamp ) {
				return $old;
			}
		}

		return null;
	}

	private function fileUrl( File $file ): string {
		$url = $file->getCanonicalUrl();
		$server = $this->config->get( 'ModerationClusterFileServer' );
		if ( $server === '' ) {
			return $url;
		}

		$parts = parse_url( $url );
		return rtrim( $server, '/' ) . ( $parts['path'] ?? '/' ) . ( isset( $parts['query'] ) ? '?' . $parts['query'] : '' );
	}

	private function callbackUrl(): string {
		$configured = $this->config->get( 'ModerationClusterCallbackUrl' );
		if ( $configured !== '' ) {
			return $configured;
		}

		return $this->config->get( 'CanonicalServer' ) . $this->config->get( 'RestPath' ) . '/moderation/v1/callback';
	}
}
