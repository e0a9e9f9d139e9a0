using VideoCoca.Migrator.Hosting;

return await MigratorHost.RunAsync(args);
