using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VideoCoca.Gateway.Webhooks;

/// <summary>
/// The X-Vcp-Signature header: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;body&gt;")&gt;</c>. The
/// timestamp is signed with the body so that a receiver can refuse an old delivery replayed.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Vcp-Signature";
    public const string EventIdHeader = "X-Vcp-Event-Id";
    public const string EventTypeHeader = "X-Vcp-Event-Type";

    public static string Create(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return $"t={unixSeconds.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(mac)}";
    }
}
