using System.Net;
using System.Net.Sockets;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// Picks a TCP port on loopback that nothing listens on right now and that this test run has not handed out
/// before: tests run side by side, and a killed coordinator's port must stay its own until it starts again.
/// </summary>
public static class FreePort
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Given)
            {
                if (Given.Add(port)) return port;
            }
        }
    }

    /// <summary>Keeps a port the caller found by itself (e.g. a relay listening on port 0) out of <see cref="Next"/>.</summary>
    public static void Reserve(int port)
    {
        lock (Given) Given.Add(port);
    }
}
