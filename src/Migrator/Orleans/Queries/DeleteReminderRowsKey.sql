-- Deletes every reminder of a service.
DELETE FROM orleans_reminders WHERE service_id = @ServiceId;
