using Microsoft.Extensions.Hosting;
using VideoCoca.Silo.Hosting;

// Configuration: appsettings.json beside the binary, then environment variables (Orleans__SiloPort, Ingest__BlobRoot,
// VCP_POSTGRES, VCP_RABBITMQ, VCP_BLOB_ROOT), then the command line (--Orleans:SiloPort=11112).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.AddVideoCocaSilo();
await builder.Build().RunAsync();
