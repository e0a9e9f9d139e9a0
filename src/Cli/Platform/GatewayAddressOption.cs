using System.CommandLine;

namespace VideoCoca.Cli.Platform;

/// <summary>The <c>--gateway</c> option every command that talks to the gateway takes.</summary>
public static class GatewayAddressOption
{
    /// <summary>
    /// A new option (an option object belongs to one command tree). System.CommandLine 2 has no parser for Uri of its
    /// own: without this one, any --gateway value fails to parse.
    /// </summary>
    public static Option<Uri> Create(string description = "gateway address") => new("--gateway")
    {
        Description = description,
        DefaultValueFactory = _ => GatewayClient.DefaultAddress,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
            result.AddError($"--gateway must be an http(s) address, not '{text}'");
            return null;
        },
    };
}
