<?php

namespace MediaWiki\Extension\ModerationCluster;

use MediaWiki\Installer\Hook\LoadExtensionSchemaUpdatesHook;

/** Creates the extension's table on update.php. */
class SchemaHooks implements LoadExtensionSchemaUpdatesHook {
	/** @inheritDoc */
	public function onLoadExtensionSchemaUpdates( $updater ) {
		$type = $updater->getDB()->getType();
		$updater->addExtensionTable( FileRecords::TABLE, dirname( __DIR__ ) . "/sql/$type/tables.sql" );
	}
}
