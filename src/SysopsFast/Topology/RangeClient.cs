using System.Net.Http;

namespace SysopsFast.Topology;

/// <summary>
/// Yahoo Range over HTTP: <c>GET /range/list?&lt;expr&gt;</c> answers one name per line. Used the
/// way the original used it: <c>%cf3.promises.&lt;site&gt;-mps-cores</c> lists a site's cores,
/// <c>%&lt;core&gt;</c> a core's servers, and any expression can restrict a query to hosts.
/// </summary>
public sealed class RangeClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _server;

    /// <summary>A client of the Range server at <paramref name="server"/> (<c>host[:port]</c> or a URL); each request may take <paramref name="timeout"/> (10 s).</summary>
    public RangeClient(string server, TimeSpan? timeout = null)
    {
        _server = server;
        var baseAddress = server.Contains("://", StringComparison.Ordinal) ? server : "http://" + server;
        if (!Uri.TryCreate(baseAddress.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw Errors.BadArgument($"'{server}' is not a Range server address; give host[:port]", ErrorRemedy.RangeServer);
        }
        _http = new HttpClient { BaseAddress = uri, Timeout = timeout ?? TimeSpan.FromSeconds(10) };
    }

    /// <summary>The names <paramref name="expression"/> expands to.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(string expression, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri("range/list?" + Uri.EscapeDataString(expression), UriKind.Relative), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw Errors.RangeFailed(_server, expression, $"HTTP {(int)response.StatusCode}: {body.Split('\n')[0]}");
            }
            return body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (HttpRequestException e)
        {
            throw Errors.RangeFailed(_server, expression, e.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Errors.RangeFailed(_server, expression, $"no answer within {_http.Timeout.TotalSeconds:F0} s");
        }
    }

    /// <summary>The cores of <paramref name="sites"/> and their servers, as a topology.</summary>
    public async Task<FleetTopology> TopologyAsync(IReadOnlyList<string> sites, CancellationToken cancellationToken)
    {
        var cores = new List<Core>();
        foreach (var site in sites)
        {
            var names = await ListAsync($"%cf3.promises.{site}-mps-cores", cancellationToken);
            if (names.Count == 0)
            {
                throw Errors.RangeFailed(_server, $"%cf3.promises.{site}-mps-cores", $"no cores listed for site {site}");
            }
            foreach (var core in names)
            {
                var servers = await ListAsync("%" + core, cancellationToken);
                if (servers.Count == 0)
                {
                    throw Errors.RangeFailed(_server, "%" + core, "the core lists no server");
                }
                cores.Add(new Core(site, core, servers.Select(Redis.ServerAddress.Parse).Distinct().ToList()));
            }
        }
        return new FleetTopology(cores, null, $"Range server {_server}");
    }

    /// <summary>Closes the HTTP client.</summary>
    public void Dispose() => _http.Dispose();
}
