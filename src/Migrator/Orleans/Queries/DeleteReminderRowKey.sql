-- Deletes a reminder if its version is still @Version; 1 when deleted, else 0.
WITH deleted AS (
    DELETE FROM orleans_reminders
    WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version
    RETURNING 1
)
SELECT count(*)::integer AS "Deleted" FROM deleted;
