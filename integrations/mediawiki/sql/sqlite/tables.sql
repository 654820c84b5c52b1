-- One uploaded file version submitted to the moderation cluster, and what its verdicts did to it.
CREATE TABLE /*_*/moderation_cluster_file (
  mcf_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  mcf_external_id BLOB NOT NULL,      -- File page and file timestamp, as sent: File:Name.png/20261127223000
  mcf_title BLOB NOT NULL,            -- the file's DB key (namespace File)
  mcf_file_timestamp BLOB NOT NULL,   -- the file version's timestamp (TS_MW)
  mcf_media_id BLOB DEFAULT NULL,     -- the cluster's medium id, once known
  mcf_decision BLOB DEFAULT 'pending' NOT NULL, -- pending, allow, review, block or failed
  mcf_by_reviewer SMALLINT DEFAULT 0 NOT NULL,
  mcf_event_us BIGINT DEFAULT 0 NOT NULL,       -- occurredAt of the newest event applied (µs since 1970)
  mcf_categorised SMALLINT DEFAULT 0 NOT NULL,  -- 1 while this extension keeps the file in the review category
  mcf_deleted SMALLINT DEFAULT 0 NOT NULL,      -- 1 while the file is deleted on a block verdict
  mcf_submitted BLOB NOT NULL,
  mcf_updated BLOB NOT NULL
);
CREATE UNIQUE INDEX /*i*/mcf_external_id ON /*_*/moderation_cluster_file (mcf_external_id);
CREATE INDEX /*i*/mcf_title ON /*_*/moderation_cluster_file (mcf_title, mcf_file_timestamp);
