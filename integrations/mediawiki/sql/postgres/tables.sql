-- One uploaded file version submitted to the moderation cluster, and what its verdicts did to it.
CREATE TABLE moderation_cluster_file (
  mcf_id SERIAL NOT NULL,
  mcf_external_id TEXT NOT NULL,
  mcf_title TEXT NOT NULL,
  mcf_file_timestamp TIMESTAMPTZ NOT NULL,
  mcf_media_id TEXT DEFAULT NULL,
  mcf_decision TEXT DEFAULT 'pending' NOT NULL,
  mcf_by_reviewer SMALLINT DEFAULT 0 NOT NULL,
  mcf_event_us BIGINT DEFAULT 0 NOT NULL,
  mcf_categorised SMALLINT DEFAULT 0 NOT NULL,
  mcf_deleted SMALLINT DEFAULT 0 NOT NULL,
  mcf_submitted TIMESTAMPTZ NOT NULL,
  mcf_updated TIMESTAMPTZ NOT NULL,
  PRIMARY KEY(mcf_id)
);
CREATE UNIQUE INDEX mcf_external_id ON moderation_cluster_file (mcf_external_id);
CREATE INDEX mcf_title ON moderation_cluster_file (mcf_title, mcf_file_timestamp);
