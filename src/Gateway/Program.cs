using VideoCoca.Gateway.Hosting;
using VideoCoca.Gateway.Uploads;

if (ProbeHelperServer.IsRequested(args)) return ProbeHelperServer.Run();
await GatewayApp.Build(args).RunAsync();
return 0;
