using Microsoft.Extensions.Hosting;
using VideoCoca.GpuWorkers.Hosting;

await WorkerHost.CreateBuilder(args).Build().RunAsync();
