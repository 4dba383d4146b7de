using System.ComponentModel.DataAnnotations;

namespace RenderFarm.Coordinator.Security;

/// <summary>Who may connect and how much they may ask, bound from <c>Coordinator:Security</c>.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Coordinator:Security";

    /// <summary>
    /// The token agents exchange once for their own credential (<c>Agent:EnrollmentToken</c>). Empty (the
    /// default) turns enrollment off: no new agent can join. At least 24 characters when set.
    /// </summary>
    public string EnrollmentToken { get; set; } = "";

    /// <summary>
    /// An operator key accepted without being in the store, for the first login of a new farm (issue real keys
    /// with it, then remove it). Empty by default. At least 24 characters when set. Prefer
    /// <c>renderfarm-coordinator keys create</c>, which stores only a hash.
    /// </summary>
    public string BootstrapOperatorKey { get; set; } = "";

    /// <summary>
    /// Allows plain HTTP/2 (h2c) on an address other than loopback. Off by default: without TLS, keys and
    /// credentials cross the network readable. Logged as a warning at every start.
    /// </summary>
    public bool AllowInsecureNetwork { get; set; }

    /// <summary>Requests per second one caller (a key, an agent) may make on average. Default 50.</summary>
    [Range(1, 100_000)]
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>Requests one caller may make at once above the average. Default 200.</summary>
    [Range(1, 1_000_000)]
    public int RequestBurst { get; set; } = 200;

    /// <summary>Streams (WatchJob, WatchFarm, Connect) one caller may hold open at once. Default 32.</summary>
    [Range(1, 10_000)]
    public int MaxStreamsPerCaller { get; set; } = 32;

    /// <summary>Largest request message in bytes. Default 1 MiB.</summary>
    [Range(4096, 64 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 1024 * 1024;
}
