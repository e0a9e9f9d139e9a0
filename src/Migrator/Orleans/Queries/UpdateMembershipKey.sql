-- Updates a silo's row and bumps the cluster version, both or neither: only while the version is
-- still @Version (locked) and the row exists.
WITH current_version AS (
    SELECT deployment_id
    FROM orleans_membership_version
    WHERE deployment_id = @DeploymentId AND version = @Version
    FOR UPDATE
), updated AS (
    UPDATE orleans_membership AS m
    SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
    FROM current_version AS c
    WHERE m.deployment_id = c.deployment_id
      AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING m.deployment_id
), bumped AS (
    UPDATE orleans_membership_version AS v
    SET version = v.version + 1, updated_at = now()
    FROM updated AS u
    WHERE v.deployment_id = u.deployment_id
    RETURNING 1
)
SELECT count(*)::integer AS "Updated" FROM bumped;
