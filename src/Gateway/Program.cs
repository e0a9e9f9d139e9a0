using VideoCoca.Gateway.Hosting;

await GatewayApp.Build(args).RunAsync();
