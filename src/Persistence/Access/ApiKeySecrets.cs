using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace VideoCoca.Persistence.Access;

/// <summary>
/// The shape of a key, <c>vcp_&lt;prefix&gt;_&lt;secret&gt;</c>: a 12-hex-digit prefix (public: it finds the row and
/// names the key in listings) and a secret of 32 random bytes in base64url, of which only the SHA-256 hash is stored.
/// </summary>
public static class ApiKeySecrets
{
    public const string Marker = "vcp_";

    /// <summary>A new key: what to hand out once, and what to store.</summary>
    public static (string Key, string Prefix, byte[] SecretHash) Create()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return ($"{Marker}{prefix}_{secret}", prefix, Hash(secret));
    }

    /// <summary>Splits a presented key into its prefix and secret; false for anything not shaped like a key.</summary>
    public static bool TryParse(string? key, [NotNullWhen(true)] out string? prefix, [NotNullWhen(true)] out string? secret)
    {
        prefix = null;
        secret = null;
        if (key is null || !key.StartsWith(Marker, StringComparison.Ordinal) || key.Length > 200)
        {
            return false;
        }
        // The prefix is hex and holds no '_'; the secret (base64url) may.
        var separator = key.IndexOf('_', Marker.Length);
        if (separator <= Marker.Length || separator == key.Length - 1)
        {
            return false;
        }
        prefix = key[Marker.Length..separator];
        secret = key[(separator + 1)..];
        return true;
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Whether the secret hashes to the stored hash, in time that does not depend on where they differ.</summary>
    public static bool Matches(string secret, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);
}
