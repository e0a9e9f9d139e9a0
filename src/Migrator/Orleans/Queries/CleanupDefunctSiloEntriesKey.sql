-- Removes rows of silos not heard from since @IAmAliveTime, except active ones (status 3 is SiloStatus.Active).
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3;
