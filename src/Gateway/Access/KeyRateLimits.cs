using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace VideoCoca.Gateway.Access;

/// <summary>
/// Per-key rate limits: one fixed one-minute window per API key, of the key's own requests_per_minute or else
/// Access:RequestsPerMinute; a request over it gets 429 with <c>Retry-After</c>. Requests without a key are not
/// counted here (authorization refuses them first).
/// </summary>
public static class KeyRateLimits
{
    public const string PolicyName = "per-key";

    public static IServiceCollection AddKeyRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PolicyName, context =>
            {
                var keyId = context.User.FindFirstValue(AccessClaims.KeyId);
                if (keyId is null)
                {
                    return RateLimitPartition.GetNoLimiter("anonymous");
                }
                var perMinute = int.TryParse(context.User.FindFirstValue(AccessClaims.RequestsPerMinute), NumberStyles.None, CultureInfo.InvariantCulture, out var own)
                    ? own
                    : context.RequestServices.GetRequiredService<IOptions<AccessOptions>>().Value.RequestsPerMinute;
                // The limit is part of the partition: a key whose limit changes gets a window of the new size.
                return RateLimitPartition.GetFixedWindowLimiter($"{keyId}:{perMinute}", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = Math.Max(perMinute, 1),
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var context = rejected.HttpContext;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.Response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem(
                        detail: $"this API key made too many requests in the last minute: retry in {seconds} s",
                        statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests")
                    .ExecuteAsync(context);
            };
        });
        return services;
    }
}
