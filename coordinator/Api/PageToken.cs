using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace RenderFarm.Coordinator.Api;

/// <summary>Opaque ListJobs page tokens: the sequence number the next page starts below.</summary>
public static class PageToken
{
    private const string Prefix = "v1:";

    public static string Encode(long? beforeSeq) =>
        beforeSeq is { } seq ? Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Prefix + seq.ToString(CultureInfo.InvariantCulture))) : "";

    public static bool TryDecode(string token, out long? beforeSeq)
    {
        beforeSeq = null;
        if (token.Length == 0) return true;
        if (token.Length > 64) return false;
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            if (!text.StartsWith(Prefix, StringComparison.Ordinal)) return false;
            if (!long.TryParse(text.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return false;
            beforeSeq = seq;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
