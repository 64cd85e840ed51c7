using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace AkkaRaft.Tests.Hosting;

/// <summary>
/// A generic host with one ActorSystem configured by Akka.Hosting and the health check service, started for a test
/// class and stopped after it: the shape an application has.
/// </summary>
internal sealed class HostedAkka : IAsyncDisposable
{
    private HostedAkka(IHost host) => Host = host;

    public IHost Host { get; }

    public ActorSystem System => Host.Services.GetRequiredService<ActorSystem>();

    public ActorRegistry Registry => Host.Services.GetRequiredService<ActorRegistry>();

    public static async Task<HostedAkka> StartAsync(string systemName, Action<AkkaConfigurationBuilder> configure)
    {
        var host = Microsoft.Extensions.Hosting.Host.CreateDefaultBuilder()
            .ConfigureServices(services =>
            {
                services.AddHealthChecks();
                services.AddAkka(systemName, builder => configure(builder));
            })
            .Build();
        await host.StartAsync();
        return new HostedAkka(host);
    }

    /// <summary>The one health check named <paramref name="name"/>, run now.</summary>
    public async Task<HealthReportEntry> CheckAsync(string name)
    {
        var report = await Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name);
        return Assert.Single(report.Entries).Value;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it returns true or <paramref name="within"/> has passed, then fails with
    /// what <paramref name="describe"/> says about the last attempt.
    /// </summary>
    public static async Task Until(TimeSpan within, Func<Task<bool>> attempt, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await attempt())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {within.TotalSeconds:0.#} s: {describe()}");
            await Task.Delay(50);
        }
    }
}
