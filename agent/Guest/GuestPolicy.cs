using System.Globalization;
using RenderFarm.Protos.Schedules;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Guest;

/// <summary>
/// The guest rules, as one decision from what was observed: whether the agent may take new work and, if not, the first
/// reason in this order: outside its hours, on battery, a blocking application, its owner at the keyboard, other
/// processes' CPU, disk, memory. Whether the owner is present is said apart, since it also decides what running
/// work does (<see cref="GuestGuard"/>). The hours are the agent's own or, while an operator set a schedule on the
/// coordinator, the operator's (<see cref="Follow"/>).
/// </summary>
public sealed class GuestPolicy(GuestOptions options, WorkHours hours, TimeZoneInfo zone)
{
    private const double GB = 1024d * 1024 * 1024;

    /// <summary>The hours in force: the agent's own, or an operator's (<see cref="Operator"/> set).</summary>
    private sealed record Schedule(WorkHours Hours, TimeZoneInfo Zone, OperatorSchedule? Operator, string? Problem);

    private volatile Schedule _schedule = new(hours, zone, null, null);

    public GuestOptions Options => options;

    /// <summary>The operator's schedule the agent follows, as the coordinator sent it; null while it follows its own hours.</summary>
    public OperatorSchedule? OperatorSchedule => _schedule.Operator;

    /// <summary>
    /// Follows the schedule an operator set on the coordinator instead of <see cref="GuestOptions.Hours"/> (its zone, or
    /// when it names none the agent's own); an empty one (the operator cleared it) goes back to the agent's own hours.
    /// Returns whether anything changed.
    /// </summary>
    public bool Follow(OperatorSchedule schedule)
    {
        var current = _schedule;
        var next = schedule.Hours.Length == 0 ? new Schedule(hours, zone, null, null) : Parse(schedule);
        if (Equals(next.Operator, current.Operator)) return false;
        _schedule = next;
        return true;
    }

    private Schedule Parse(OperatorSchedule schedule)
    {
        var echo = schedule.Clone();
        if (!WorkHours.TryParse(schedule.Hours, out var parsed, out var problem))
        {
            return new Schedule(WorkHours.Always, zone, echo, $"the operator's schedule cannot be read here: {problem}");
        }

        if (schedule.TimeZone.Length == 0) return new Schedule(parsed, zone, echo, null);
        return WorkHours.TryFindZone(schedule.TimeZone, out var named)
            ? new Schedule(parsed, named, echo, null)
            : new Schedule(parsed, zone, echo, $"the operator's schedule names time zone '{schedule.TimeZone}', unknown on this machine");
    }

    public GuestVerdict Decide(DateTimeOffset now, TimeSpan? idle, MachineReading machine)
    {
        var schedule = _schedule;
        var position = schedule.Hours.At(now, schedule.Zone);
        var ownerPresent = options.IdleMinutes > 0 && idle is { } i && i < TimeSpan.FromMinutes(options.IdleMinutes);
        var whose = schedule.Operator is null ? "" : " (operator's schedule)";
        string? reason = null;
        if (schedule.Problem is not null)
        {
            reason = schedule.Problem;
        }
        else if (!position.Inside)
        {
            reason = (position.NextStart is { } next ? $"outside hours until {Local(next, now, schedule.Zone)}" : "outside hours") + whose;
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

    /// <summary>"19:00" today, "Sat 08:00" on another day, in the schedule's time zone.</summary>
    private static string Local(DateTimeOffset at, DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var today = TimeZoneInfo.ConvertTime(now, zone).Date;
        return local.Date == today
            ? local.ToString("HH:mm", CultureInfo.InvariantCulture)
            : local.ToString("ddd HH:mm", CultureInfo.InvariantCulture);
    }
}
