using System.Net;
using System.Net.Sockets;
using AkkaRaft.Actors;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace AkkaRaft.Host;

/// <summary>
/// A node's metric export (the meter <see cref="RaftMetrics.MeterName"/>): a Prometheus scrape endpoint at
/// <c>http://HOST:PORT/metrics</c> with <c>--metrics-port PORT</c>, and OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
/// (the exporter reads that variable and the other standard OTEL_EXPORTER_OTLP_* ones itself).
/// </summary>
internal static class HostMetrics
{
    private const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Starts exporting the node's metrics, or returns null when neither a port nor an OTLP endpoint is given. Dispose the
    /// result when the node stops.
    /// </summary>
    /// <exception cref="HostError">The port cannot be listened on.</exception>
    public static MeterProvider? Start(string nodeId, int? metricsPort)
    {
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));
        if (metricsPort is null && !otlp) return null;
        if (metricsPort is { } port) CheckPortFree(port);
        var builder = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("akkaraft-node", serviceInstanceId: nodeId))
            .AddMeter(RaftMetrics.MeterName);
        // Every address of the host where that needs no privilege (the managed HttpListener of Linux and macOS); on
        // Windows, where it would need a URL reservation, localhost only.
        if (metricsPort is { } p)
            builder.AddPrometheusHttpListener(options =>
            {
                options.Port = p;
                if (!OperatingSystem.IsWindows())
                    options.ConfigureHttpListener = (_, listener) =>
                    {
                        listener.Prefixes.Clear();
                        listener.Prefixes.Add($"http://*:{p}/");
                    };
            });
        if (otlp) builder.AddOtlpExporter();
        try
        {
            return builder.Build();
        }
        catch (Exception e) when (metricsPort is not null && (e is InvalidOperationException or HttpListenerException or SocketException))
        {
            throw new HostError($"cannot serve metrics on port {metricsPort}: {(e.InnerException ?? e).Message}");
        }
    }


    /// <summary>A port already taken stops the node before it starts, with one line, rather than leave it without its endpoint.</summary>
    private static void CheckPortFree(int port)
    {
        try
        {
            var listener = new TcpListener(OperatingSystem.IsWindows() ? IPAddress.Loopback : IPAddress.Any, port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
            listener.Start();
            listener.Stop();
        }
        catch (SocketException e)
        {
            throw new HostError($"--metrics-port {port}: cannot listen on it: {e.Message}");
        }
    }
}
