-- Forgets a whole cluster (its silo rows go with the version row).
DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId;
