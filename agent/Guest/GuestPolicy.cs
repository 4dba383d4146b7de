using System.Globalization;

namespace RenderFarm.Agent.Guest;

/// <summary>
/// The guest rules, as one decision from what was observed: whether the agent may take new work and, if not, the first
/// reason in this order: outside its hours, on battery, a blocking application, its owner at the keyboard, other
/// processes' CPU, disk, memory. Whether the owner is present is said apart, since it also decides what running
/// work does (<see cref="GuestGuard"/>).
/// </summary>
public sealed class GuestPolicy(GuestOptions options, WorkHours hours, TimeZoneInfo zone)
{
    private const double GB = 1024d * 1024 * 1024;

    public GuestOptions Options => options;

    public GuestVerdict Decide(DateTimeOffset now, TimeSpan? idle, MachineReading machine)
    {
        var position = hours.At(now, zone);
        var ownerPresent = options.IdleMinutes > 0 && idle is { } i && i < TimeSpan.FromMinutes(options.IdleMinutes);
        string? reason = null;
        if (!position.Inside)
        {
            reason = position.NextStart is { } next ? $"outside hours until {Local(next, now)}" : "outside hours";
        }
        else if (machine.OnBattery && !options.WorkOnBattery)
        {
            reason = "on battery";
        }
        else if (Blocking(machine.Processes) is { } app)
        {
            reason = $"{app} is running";
        }
        else if (ownerPresent)
        {
            reason = "owner active";
        }
        else if (options.MaxOtherCpuPercent > 0 && machine.OtherCpuPercent is { } cpu && cpu > options.MaxOtherCpuPercent)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"other processes use {cpu:0} % CPU > {options.MaxOtherCpuPercent:0} %");
        }
        else if (options.MinFreeDiskGB > 0 && machine.FreeDisk is { } disk && disk.Bytes < options.MinFreeDiskGB * GB)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"disk {disk.Bytes / GB:0.#} GB free < {options.MinFreeDiskGB:0.#} GB ({disk.Path})");
        }
        else if (options.MinFreeMemoryGB > 0 && machine.FreeMemoryBytes is { } memory && memory < options.MinFreeMemoryGB * GB)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"memory {memory / GB:0.#} GB free < {options.MinFreeMemoryGB:0.#} GB");
        }

        return new GuestVerdict(reason, ownerPresent, !position.Inside, position.NextStart, position.Slots);
    }

    /// <summary>The first listed application that runs, as listed.</summary>
    private string? Blocking(IReadOnlyCollection<string> processes) =>
        options.BlockingApps.FirstOrDefault(app => app.Length > 0 && processes.Any(p => p.StartsWith(app, StringComparison.OrdinalIgnoreCase)));

    /// <summary>"19:00" today, "Sat 08:00" on another day, in the agent's time zone.</summary>
    private string Local(DateTimeOffset at, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var today = TimeZoneInfo.ConvertTime(now, zone).Date;
        return local.Date == today
            ? local.ToString("HH:mm", CultureInfo.InvariantCulture)
            : local.ToString("ddd HH:mm", CultureInfo.InvariantCulture);
    }
}
