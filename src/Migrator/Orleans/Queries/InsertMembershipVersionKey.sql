-- Creates the cluster's version row if it is missing; 1 when this call created it, else 0.
WITH inserted AS (
    INSERT INTO orleans_membership_version (deployment_id)
    VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer AS "Inserted" FROM inserted;
