namespace RenderFarm.Agent.Guest;

/// <summary>Reads the machine's processes, CPU, memory, disk and power.</summary>
public interface IMachineProbe
{
    /// <param name="diskFolders">Folders whose disks are watched (the data folder, the media roots).</param>
    /// <param name="withProcesses">List the running processes (only needed when applications block work).</param>
    MachineReading Read(IReadOnlyCollection<string> diskFolders, bool withProcesses);
}
