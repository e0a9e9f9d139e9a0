-- Tables for the Orleans ADO.NET providers this platform uses (clustering, grain storage,
-- reminders), written for PostgreSQL 15 or newer by this project: the providers' packages ship no
-- SQL. Every statement is idempotent; src/Migrator runs this file under an advisory lock.
--
-- The providers read their SQL from OrleansQuery (one row per query key; the texts are the files
-- in ../Queries). They bind parameters by name (@DeploymentId, ...) and read result columns by
-- name, so the queries alias snake_case columns to the names the providers expect.

-- Read by every provider as: SELECT QueryKey, QueryText FROM OrleansQuery (unquoted, so lower case).
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) NOT NULL PRIMARY KEY,
    querytext text        NOT NULL
);

-- Clustering: one version row per cluster (deployment), bumped by every membership change, and
-- one row per silo incarnation (address, port, generation).
CREATE TABLE IF NOT EXISTS orleans_membership_version
(
    deployment_id varchar(150) NOT NULL PRIMARY KEY,
    version       integer      NOT NULL DEFAULT 0,
    updated_at    timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS orleans_membership
(
    deployment_id   varchar(150) NOT NULL REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
    address         varchar(45)  NOT NULL,
    port            integer      NOT NULL,
    generation      integer      NOT NULL,
    silo_name       varchar(150) NOT NULL,
    host_name       varchar(150) NOT NULL,
    status          integer      NOT NULL,
    proxy_port      integer      NOT NULL DEFAULT 0,
    suspect_times   text         NULL,
    start_time      timestamptz  NOT NULL,
    i_am_alive_time timestamptz  NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Grain storage: one row per (service, grain type, grain id); version is the state's ETag.
-- The two hashes lead the key so that lookups stay narrow; the unique key makes a first write
-- that races another a conflict instead of a duplicate.
CREATE TABLE IF NOT EXISTS orleans_storage
(
    grain_id_hash      integer      NOT NULL,
    grain_type_hash    integer      NOT NULL,
    service_id         varchar(150) NOT NULL,
    grain_type         varchar(512) NOT NULL,
    grain_id_n0        bigint       NOT NULL,
    grain_id_n1        bigint       NOT NULL,
    grain_id_extension varchar(512) NULL,
    payload_binary     bytea        NULL,
    version            integer      NOT NULL,
    modified_on        timestamptz  NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_orleans_storage_grain ON orleans_storage
    (grain_id_hash, grain_type_hash, service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
    NULLS NOT DISTINCT;

-- Reminders: one row per (service, grain, reminder name); grain_hash places the grain on the
-- ring so that each silo reads the reminders of its own range.
CREATE TABLE IF NOT EXISTS orleans_reminders
(
    service_id    varchar(150) NOT NULL,
    grain_id      text         NOT NULL,
    reminder_name varchar(150) NOT NULL,
    start_time    timestamptz  NOT NULL,
    period        bigint       NOT NULL,
    grain_hash    integer      NOT NULL,
    version       integer      NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS ix_orleans_reminders_service_id_grain_hash ON orleans_reminders (service_id, grain_hash);
