namespace RenderFarm.Agent.Guest;

/// <summary>What the machine looks like at one check: what runs, and how much CPU, memory, disk and power are left.</summary>
/// <param name="Processes">Names of the running processes.</param>
/// <param name="OtherCpuPercent">CPU other processes than the agent and its ffmpeg use, in percent of all cores; null = unknown.</param>
/// <param name="FreeMemoryBytes">Memory available; null = unknown.</param>
/// <param name="FreeDisk">The fullest of the watched disks: a folder on it and its free bytes; null = unknown.</param>
/// <param name="OnBattery">The machine runs on battery.</param>
public sealed record MachineReading(
    IReadOnlyCollection<string> Processes, double? OtherCpuPercent, long? FreeMemoryBytes, (string Path, long Bytes)? FreeDisk, bool OnBattery)
{
    public static MachineReading Unknown { get; } = new([], null, null, null, false);
}
