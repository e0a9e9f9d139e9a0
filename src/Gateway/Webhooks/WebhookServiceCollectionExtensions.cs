using System.Net;

namespace VideoCoca.Gateway.Webhooks;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>The <c>Webhooks</c> options, the named client deliveries go out on, and the dispatcher.</summary>
    public static IServiceCollection AddWebhookDispatch(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.SectionName))
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.RetryBaseDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.RetryBaseDelay
                && o.RetryWindow > TimeSpan.Zero && o.RequestTimeout > TimeSpan.Zero,
                "Webhooks: PollInterval, RetryBaseDelay, RetryWindow and RequestTimeout must be positive, MaxRetryDelay at least RetryBaseDelay")
            .Validate(o => o.MaxConcurrency is >= 1 and <= 256, "Webhooks:MaxConcurrency must be between 1 and 256")
            .ValidateOnStart();
        services.AddHttpClient(WebhookOptions.HttpClientName, client =>
            {
                // The dispatcher cuts each attempt at Webhooks:RequestTimeout itself.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("vcp-webhooks/1");
            })
            // A redirect would send the signed body somewhere the webhook's owner never named; a 3xx counts as a failed attempt.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None, UseCookies = false });
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
