using System.Security.Cryptography;
using System.Text;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// The signature a receiver checks: <c>X-RenderFarm-Signature: sha256=&lt;hex&gt;</c>, the HMAC-SHA256 of the raw body
/// (its UTF-8 bytes, exactly as sent) keyed with the target's secret.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-RenderFarm-Signature";

    /// <summary>The header's value for <paramref name="body"/>; empty when there is no secret.</summary>
    public static string Sign(string body, string secret) =>
        secret.Length == 0 ? "" : "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    /// <summary>Whether <paramref name="header"/> is the signature of <paramref name="body"/> (compared in constant time).</summary>
    public static bool Verify(byte[] body, string secret, string? header)
    {
        if (header is null || !header.StartsWith("sha256=", StringComparison.Ordinal)) return false;
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
        try
        {
            return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(header.AsSpan(7)));
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
