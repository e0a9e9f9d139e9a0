namespace VideoCoca.Messaging.Hosting;

/// <summary>The <c>RabbitMq</c> configuration section: the broker every host connects to.</summary>
public sealed class RabbitMqOptions
{
    public const string SectionName = "RabbitMq";

    /// <summary>Read when the section sets no URL (scripts/stack.sh env prints it).</summary>
    public const string EnvironmentVariable = "VCP_RABBITMQ";

    /// <summary>The private node that scripts/stack.sh runs.</summary>
    public const string DefaultUrl = "amqp://vcp:vcp@127.0.0.1:55672/";

    /// <summary>amqp://user:password@host:port/virtual-host; empty for <see cref="EnvironmentVariable"/>, then the default.</summary>
    public string Url { get; set; } = "";

    /// <summary>The configured URL, else the environment variable's, else the default.</summary>
    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultUrl : fromEnvironment;
    }
}

/// <summary>The parts of an amqp:// URL that MassTransit's host configuration takes.</summary>
public sealed record RabbitMqEndpoint(string Host, ushort Port, string VirtualHost, string Username, string Password)
{
    public static RabbitMqEndpoint Parse(string url)
    {
        var uri = new Uri(url, UriKind.Absolute);
        if (uri.Scheme is not ("amqp" or "rabbitmq"))
        {
            throw new FormatException($"'{uri.Scheme}' is not an AMQP URL scheme (want amqp://user:password@host:port/vhost).");
        }
        var userInfo = uri.UserInfo.Split(':', 2);
        var username = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : "guest";
        var password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "guest";
        var path = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        var port = uri.IsDefaultPort || uri.Port < 0 ? (ushort)5672 : (ushort)uri.Port;
        return new RabbitMqEndpoint(uri.Host, port, path.Length == 0 ? "/" : path, username, password);
    }
}
