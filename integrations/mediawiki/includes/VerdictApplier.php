<?php

namespace MediaWiki\Extension\ModerationCluster;

use CommentStoreComment;
use Config;
use FileDeleteForm;
use LocalFile;
use ManualLogEntry;
use MediaWiki\Logger\LoggerFactory;
use MediaWiki\MediaWikiServices;
use MediaWiki\Page\UndeletePageFactory;
use MediaWiki\Page\WikiPageFactory;
use MediaWiki\Revision\SlotRecord;
use MediaWiki\User\UserGroupManager;
use Psr\Log\LoggerInterface;
use RepoGroup;
use TextContent;
use Title;
use User;
use WikitextContent;

/**
 * Carries out a verdict on the file version it names, as the extension's system user, and logs it in the moderation log:
 * review puts the file into the maintenance category, block deletes the file version (MediaWiki cannot hide the current
 * version of a file, so the file is deleted), allow records the verdict and, when a moderator overturns an earlier
 * verdict, takes the file out of the category or restores it. An event older than the newest one applied changes nothing,
 * so a redelivery or an overtaken automatic verdict cannot undo a moderator's decision.
 */
class VerdictApplier {
	public const GROUP = 'moderation-bot';

	private Config $config;
	private FileRecords $records;
	private RepoGroup $repos;
	private WikiPageFactory $pages;
	private UndeletePageFactory $undelete;
	private UserGroupManager $groups;
	private LoggerInterface $logger;

	public function __construct(
		Config $config, FileRecords $records, RepoGroup $repos, WikiPageFactory $pages, UndeletePageFactory $undelete,
		UserGroupManager $groups, LoggerInterface $logger
	) {
		$this->config = $config;
		$this->records = $records;
		$this->repos = $repos;
		$this->pages = $pages;
		$this->undelete = $undelete;
		$this->groups = $groups;
		$this->logger = $logger;
	}

	public static function newFromServices( MediaWikiServices $services, FileRecords $records ): self {
		return new self( $services->getMainConfig(), $records, $services->getRepoGroup(), $services->getWikiPageFactory(),
			$services->getUndeletePageFactory(), $services->getUserGroupManager(), LoggerFactory::getInstance( 'ModerationCluster' ) );
	}

	/** An ISO 8601 instant (up to 7 fractional digits, as .NET writes them) in microseconds since 1970, or null. */
	public static function microseconds( string $instant ): ?int {
		if ( !preg_match( '/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/', $instant, $m ) ) {
			return null;
		}

		$seconds = \DateTimeImmutable::createFromFormat( 'Y-m-d\TH:i:sP', $m[1] . ( $m[3] === 'Z' ? '+00:00' : $m[3] ) );
		return $seconds === false ? null : $seconds->getTimestamp() * 1000000 + (int)substr( str_pad( $m[2], 6, '0' ), 0, 6 );
	}

	/**
	 * Applies a verdict ('allow', 'review', 'block') or, with $failure set, a failure to judge the file.
	 * @return string what happened: 'applied', 'stale' (an event this old or older was applied before) or 'unknown'
	 */
	public function apply( string $externalId, string $decision, bool $byReviewer, string $mediaId, int $eventUs, ?string $failure ): string {
		$row = $this->records->find( $externalId );
		if ( $row === null ) {
			return 'unknown';
		}

		if ( $eventUs <= (int)$row->mcf_event_us ) {
			return 'stale';
		}

		$title = Title::makeTitle( NS_FILE, $row->mcf_title );
		$timestamp = wfTimestamp( TS_MW, $row->mcf_file_timestamp );
		$user = $this->user();
		$categorised = (bool)$row->mcf_categorised;
		$deleted = (bool)$row->mcf_deleted;
		$params = [ '5::mediaId' => $mediaId, '6::byReviewer' => $byReviewer ? '1' : '' ];

		if ( $failure !== null ) {
			$categorised = $categorised || $this->categorise( $title, $user, true, $mediaId );
			$this->log( 'failed', $title, $user, $params + [ '4::reason' => $failure ] );
			$decision = 'failed';
		} elseif ( $decision === 'review' ) {
			$categorised = $categorised || $this->categorise( $title, $user, true, $mediaId );
			$this->log( 'review', $title, $user, $params );
		} elseif ( $decision === 'block' ) {
			if ( !$deleted ) {
				$deleted = $this->delete( $title, $timestamp, $user, $mediaId );
			}

			$this->log( 'block', $title, $user, $params );
		} elseif ( $decision === 'allow' ) {
			if ( $deleted && $this->restore( $title, $timestamp, $user, $mediaId ) ) {
				$deleted = false;
				$this->log( 'restore', $title, $user, $params );
			}

			if ( $categorised && !$deleted ) {
				$categorised = !$this->categorise( $title, $user, false, $mediaId );
			}

			$this->log( 'allow', $title, $user, $params );
		} else {
			$this->logger->warning( 'Unknown decision {decision} for {externalId}', [ 'decision' => $decision, 'externalId' => $externalId ] );
			return 'applied';
		}

		$this->records->update( $externalId, [
			'mcf_decision' => $decision,
			'mcf_by_reviewer' => $byReviewer ? 1 : 0,
			'mcf_event_us' => $eventUs,
			'mcf_categorised' => $categorised ? 1 : 0,
			'mcf_deleted' => $deleted ? 1 : 0,
		] + ( $mediaId !== '' ? [ 'mcf_media_id' => $mediaId ] : [] ) );
		return 'applied';
	}

	/**
	 * Ingest refused the file for good. An unsupported format (e.g. SVG, PDF, audio) is recorded only; any other
	 * refusal is a file nobody judged, so it waits in the maintenance category.
	 */
	public function refused( string $externalId, bool $unsupported, string $reason ): void {
		$row = $this->records->find( $externalId );
		if ( $row === null ) {
			return;
		}

		if ( $unsupported ) {
			$this->records->update( $externalId, [ 'mcf_decision' => 'unsupported' ] );
			return;
		}

		$this->apply( $externalId, 'failed', false, '', (int)$row->mcf_event_us + 1, $reason );
	}

	/** The system user that acts on verdicts, in the moderation-bot group (delete, undelete, bot edits). */
	private function user(): User {
		$user = User::newSystemUser( $this->config->get( 'ModerationClusterUser' ), [ 'steal' => true ] );
		if ( !in_array( self::GROUP, $this->groups->getUserGroups( $user ), true ) ) {
			$this->groups->addUserToGroup( $user, self::GROUP );
		}

		return $user;
	}

	/** Adds (or removes) the review category on the file page; true when the page now is as asked. */
	private function categorise( Title $title, User $user, bool $add, string $mediaId ): bool {
		$page = $this->pages->newFromTitle( $title );
		$content = $page->getContent();
		if ( !$content instanceof TextContent ) {
			return false;
		}

		$category = Title::makeTitleSafe( NS_CATEGORY, $this->config->get( 'ModerationClusterReviewCategory' ) );
		if ( !$category ) {
			return false;
		}

		$link = '[[' . $category->getPrefixedText() . ']]';
		$text = $content->getText();
		$present = strpos( $text, $link ) !== false;
		if ( $present === $add ) {
			return true;
		}

		$new = $add ? ltrim( rtrim( $text ) . "\n" . $link ) : rtrim( str_replace( [ "\n" . $link, $link ], '', $text ) );
		$summary = wfMessage( $add ? 'moderationcluster-summary-review' : 'moderationcluster-summary-cleared', $mediaId )
			->inContentLanguage()->text();
		$updater = $page->newPageUpdater( $user );
		$updater->setContent( SlotRecord::MAIN, new WikitextContent( $new ) );
		$updater->saveRevision( CommentStoreComment::newUnsavedComment( $summary ), EDIT_UPDATE | EDIT_FORCE_BOT | EDIT_MINOR );
		$status = $updater->getStatus();
		if ( !$status->isOK() ) {
			$this->logger->error( 'Could not edit {title}: {status}', [ 'title' => $title->getPrefixedText(), 'status' => (string)$status ] );
		}

		return $status->isOK();
	}

	/** Deletes the judged version: the whole file when it is the current one, else that old version. */
	private function delete( Title $title, string $timestamp, User $user, string $mediaId ): bool {
		$file = $this->repos->getLocalRepo()->newFile( $title );
		if ( !$file instanceof LocalFile || !$file->exists() ) {
			return false;
		}

		$oldimage = null;
		if ( $file->getTimestamp() !== $timestamp ) {
			foreach ( $file->getHistory() as $old ) {
				if ( $old->getTimestamp() === $timestamp ) {
					$oldimage = $old->getArchiveName();
				}
			}

			if ( $oldimage === null ) {
				return false;
			}
		}

		$reason = wfMessage( 'moderationcluster-summary-block', $mediaId )->inContentLanguage()->text();
		$status = FileDeleteForm::doDelete( $title, $file, $oldimage, $reason, false, $user );
		if ( !$status->isOK() ) {
			$this->logger->error( 'Could not delete {title}: {status}', [ 'title' => $title->getPrefixedText(), 'status' => (string)$status ] );
		}

		return $status->isOK();
	}

	/** Restores the page and the file version the block deleted. */
	private function restore( Title $title, string $timestamp, User $user, string $mediaId ): bool {
		$reason = wfMessage( 'moderationcluster-summary-restore', $mediaId )->inContentLanguage()->text();
		$undelete = $this->undelete->newUndeletePage( $this->pages->newFromTitle( $title ), $user );
		$status = $undelete->undeleteUnsafe( $reason );
		if ( !$status->isOK() ) {
			$this->logger->error( 'Could not restore {title}: {status}', [ 'title' => $title->getPrefixedText(), 'status' => (string)$status ] );
		}

		return $status->isOK();
	}

	private function log( string $action, Title $title, User $user, array $params ): void {
		$entry = new ManualLogEntry( 'moderation', $action );
		$entry->setPerformer( $user );
		$entry->setTarget( $title );
		$entry->setParameters( $params + [ '4::reason' => '' ] );
		$entry->publish( $entry->insert() );
	}
}
