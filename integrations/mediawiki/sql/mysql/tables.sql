-- One uploaded file version submitted to the moderation cluster, and what its verdicts did to it.
CREATE TABLE /*_*/moderation_cluster_file (
  mcf_id INT UNSIGNED AUTO_INCREMENT NOT NULL,
  mcf_external_id VARBINARY(512) NOT NULL,
  mcf_title VARBINARY(255) NOT NULL,
  mcf_file_timestamp BINARY(14) NOT NULL,
  mcf_media_id VARBINARY(36) DEFAULT NULL,
  mcf_decision VARBINARY(16) DEFAULT 'pending' NOT NULL,
  mcf_by_reviewer TINYINT DEFAULT 0 NOT NULL,
  mcf_event_us BIGINT DEFAULT 0 NOT NULL,
  mcf_categorised TINYINT DEFAULT 0 NOT NULL,
  mcf_deleted TINYINT DEFAULT 0 NOT NULL,
  mcf_submitted BINARY(14) NOT NULL,
  mcf_updated BINARY(14) NOT NULL,
  UNIQUE INDEX mcf_external_id (mcf_external_id),
  INDEX mcf_title (mcf_title, mcf_file_timestamp),
  PRIMARY KEY(mcf_id)
) /*$wgDBTableOptions*/;
