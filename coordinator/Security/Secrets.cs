using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace RenderFarm.Coordinator.Security;

/// <summary>
/// Keys and credentials: 256 random bits, with a prefix that says what they are. The store keeps only their
/// SHA-256 (a key of that strength needs no slow hash), so a copy of the database lets no one in.
/// </summary>
public static class Secrets
{
    public const string ApiKeyPrefix = "rfk_";
    public const string AgentCredentialPrefix = "rfa_";

    public static string New(string prefix) => prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Compares two secrets in time that does not depend on where they differ.</summary>
    public static bool Same(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}
