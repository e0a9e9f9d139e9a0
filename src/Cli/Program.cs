return await VideoCoca.Cli.CliApplication.RunAsync(args);
