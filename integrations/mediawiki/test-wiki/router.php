<?php
// Router for PHP's built-in server: uploaded files come from the test wiki's own directory (MediaWiki's docroot is
// the shared Debian install); everything else is MediaWiki's entry points, served as usual.
$path = rawurldecode( parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) ?? '/' );
if ( strncmp( $path, '/images/', 8 ) !== 0 ) {
	return false;
}

$root = realpath( getenv( 'MODERATION_WIKI_DIR' ) . '/images' );
$file = realpath( $root . '/' . substr( $path, 8 ) );
if ( $root === false || $file === false || strncmp( $file, $root . '/', strlen( $root ) + 1 ) !== 0 || !is_file( $file ) ) {
	http_response_code( 404 );
	return true;
}

header( 'Content-Type: ' . ( mime_content_type( $file ) ?: 'application/octet-stream' ) );
header( 'Content-Length: ' . filesize( $file ) );
readfile( $file );
return true;
