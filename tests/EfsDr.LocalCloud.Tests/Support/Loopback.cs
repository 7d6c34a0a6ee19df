using System.Net.Sockets;

namespace EfsDr.LocalCloud.Tests.Support;

/// <summary>Loopback addresses for simulated nodes: each test gets its own, from 127.0.0.50 up, so tests that run in
/// parallel (and other suites using lower addresses) never share a port 9000.</summary>
public static class Loopback
{
    private static int _last = 49;

    /// <summary>A loopback address no other test in this run has had.</summary>
    public static string Next()
    {
        var host = Interlocked.Increment(ref _last);
        return host <= 254 ? $"127.0.0.{host}" : throw new InvalidOperationException("More than 205 simulated node addresses in one run.");
    }

    /// <summary>True when something accepts TCP connections at address:port.</summary>
    public static bool PortOpen(string address, int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(address, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
