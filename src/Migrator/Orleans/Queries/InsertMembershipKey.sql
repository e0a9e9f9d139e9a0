-- Adds a silo's row and bumps the cluster version, both or neither: only while the version is
-- still @Version (locked, so a concurrent change makes this one return 0) and the row is new.
WITH current_version AS (
    SELECT deployment_id
    FROM orleans_membership_version
    WHERE deployment_id = @DeploymentId AND version = @Version
    FOR UPDATE
), inserted AS (
    INSERT INTO orleans_membership
        (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
    SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, coalesce(@ProxyPort, 0), @StartTime, @IAmAliveTime
    FROM current_version
    ON CONFLICT (deployment_id, address, port, generation) DO NOTHING
    RETURNING deployment_id
), bumped AS (
    UPDATE orleans_membership_version AS v
    SET version = v.version + 1, updated_at = now()
    FROM inserted AS i
    WHERE v.deployment_id = i.deployment_id
    RETURNING 1
)
SELECT count(*)::integer AS "Updated" FROM bumped;
