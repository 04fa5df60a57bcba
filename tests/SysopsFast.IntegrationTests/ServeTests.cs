using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// A real redis-server with the ACL roles of <c>sysops-fast acl</c>, a generated fleet in it, and
/// two real <c>serve</c> processes over it: one without authentication, one whose HTTP Basic
/// credentials are the Redis users.
/// </summary>
public sealed class ServeFixture : IAsyncLifetime
{
    public const string Password = "serve test password";
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-serve-").FullName;
    private RedisProcess? _redis;
    private ServeProcess? _open;
    private ServeProcess? _basic;

    public RedisProcess Redis => _redis!;

    /// <summary>serve with --auth none (loopback).</summary>
    public Uri Open => _open!.Url;

    /// <summary>serve with --auth basic.</summary>
    public Uri Basic => _basic!.Url;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        var passwordFile = Path.Combine(_work, "password");
        await File.WriteAllTextAsync(passwordFile, Password + "\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var lines = new List<string> { "user default on nopass ~* &* +@all" };
        foreach (var role in new[] { "reader", "pusher" })
        {
            var (exit, stdout, stderr) = await CliProcessTests.RunProgram("env", null, [$"SYSOPS_FAST_REDIS_PASSWORD_FILE={passwordFile}", "dotnet", Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"), "acl", "--role", role, "--user", role]);
            Assert.True(exit == 0, stderr);
            lines.Add(stdout.TrimEnd('\n'));
        }
        var aclFile = Path.Combine(_work, "users.acl");
        await File.WriteAllLinesAsync(aclFile, lines);
        _redis = await RedisProcess.StartAsync("--aclfile", aclFile);
        await FleetGenerator.GenerateAsync(new SyntheticFleet(300, 5), ServerAddress.Parse(_redis.Address), PayloadCodec.Lz4, TimeSpan.FromHours(1), plain: false, CancellationToken.None);
        _open = await ServeProcess.StartAsync("--server", _redis.Address);
        _basic = await ServeProcess.StartAsync("--auth", "basic", "--server", _redis.Address);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        foreach (var serve in new[] { _open, _basic })
        {
            if (serve is not null)
            {
                await serve.DisposeAsync();
            }
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>redis-cli as the default user (no password in this file's ACL).</summary>
    public async Task<string> RedisCli(params string[] command)
    {
        var (_, stdout, stderr) = await CliProcessTests.RunProgram("redis-cli", null, ["-p", Redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. command]);
        return (stdout + stderr).Trim();
    }
}

/// <summary>The HTTP API against the CLI's own answers, on a real redis-server and real serve processes.</summary>
public sealed partial class ServeTests(ServeFixture serve) : IClassFixture<ServeFixture>
{
    private const string Headline = "grep sysctl-a net.core.netdev_budget --uniq";

    internal static async Task<(HttpStatusCode Status, string? Type, string Body)> GetAsync(HttpClient http, Uri url, AuthenticationHeaderValue? auth = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = auth;
        using var response = await http.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private Task<(HttpStatusCode Status, string? Type, string Body)> GetAsync(string pathAndQuery, AuthenticationHeaderValue? auth = null) =>
        GetAsync(serve.Http, new Uri(serve.Open, pathAndQuery), auth);

    internal static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    /// <summary>The body's lines: the records, then the end line's "end" object.</summary>
    private static (string[] Records, JsonElement End) Split(string body)
    {
        var lines = body.TrimEnd('\n').Split('\n');
        using var end = JsonDocument.Parse(lines[^1]);
        return (lines[..^1], end.RootElement.GetProperty("end").Clone());
    }

    [Fact]
    public async Task The_headline_over_http_equals_the_clis_json_answer_by_name_and_by_query_line()
    {
        var (exit, cli, stderr) = await CliProcessTests.Run([.. Headline.Split(' '), "--json", "--server", serve.Redis.Address]);
        Assert.True(exit == 0, stderr);
        foreach (var path in new[] { "/api/v1/grep?object=sysctl-a&pattern=net.core.netdev_budget&uniq=true", "/api/v1/query?q=" + Uri.EscapeDataString(Headline) })
        {
            var (status, type, body) = await GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("application/x-ndjson", type);
            var (records, end) = Split(body);
            Assert.Equal(cli.TrimEnd('\n').Split('\n'), records);
            Assert.Equal(0, end.GetProperty("exit").GetInt32());
            Assert.Equal("matched", end.GetProperty("outcome").GetString());
            Assert.Equal(JsonValueKind.Null, end.GetProperty("cost").ValueKind);
        }
    }

    [Fact]
    public async Task No_match_and_the_cost_arrive_in_the_end_line()
    {
        var (_, _, body) = await GetAsync("/api/v1/grep?object=sysctl-a&pattern=no-such-line-anywhere&cost=true");
        var (records, end) = Split(body);
        Assert.Empty(records);
        Assert.Equal(1, end.GetProperty("exit").GetInt32());
        Assert.Equal("no_match", end.GetProperty("outcome").GetString());
        Assert.Equal(300, end.GetProperty("cost").GetProperty("total").GetProperty("keys").GetInt32());
    }

    [Fact]
    public async Task A_bad_regex_is_400_problem_json_with_the_clis_message()
    {
        var (_, _, cliError) = await CliProcessTests.Run("grep", "sysctl-a", "(", "--server", serve.Redis.Address);
        var (status, type, body) = await GetAsync("/api/v1/grep?object=sysctl-a&pattern=" + Uri.EscapeDataString("("));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", type);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(cliError.Trim().Replace("sysops-fast: ", "", StringComparison.Ordinal), problem.RootElement.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("/api/v1/grpe?object=x", HttpStatusCode.NotFound, "did you mean 'grep'?")]
    [InlineData("/api/v1/push", HttpStatusCode.NotFound, "unknown query command 'push'")]
    [InlineData("/api/v1/query?q=server%20--port%201", HttpStatusCode.NotFound, "unknown query command 'server'")]
    [InlineData("/api/v1/grep?object=sysctl-a&pattern=x&bogus=1", HttpStatusCode.BadRequest, "unrecognized option '--bogus=1'")]
    [InlineData("/api/v1/query?q=grep%20sysctl-a%20x%20--server%20127.0.0.1:1", HttpStatusCode.BadRequest, "--server is serve's to set")]
    [InlineData("/api/v1/query?q=grep%20sysctl-a%20x%20--hosts%20/etc/passwd", HttpStatusCode.BadRequest, "--hosts is serve's to set")]
    [InlineData("/api/v1/query?q=grep%20'sysctl-a", HttpStatusCode.BadRequest, "unclosed single quote")]
    [InlineData("/api/v1/grep?pattern=x", HttpStatusCode.BadRequest, "'pattern' is given without 'object'")]
    [InlineData("/api/v1/grep?object=sysctl-a", HttpStatusCode.BadRequest, "grep needs a text pattern")]
    public async Task Bad_requests_are_problem_json_with_a_fitting_status(string path, HttpStatusCode expected, string detail)
    {
        var (status, type, body) = await GetAsync(path);
        Assert.Equal(expected, status);
        Assert.Equal("application/problem+json", type);
        using var problem = JsonDocument.Parse(body);
        Assert.Contains(detail, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Basic_credentials_are_the_redis_user_of_the_query()
    {
        var headline = new Uri(serve.Basic, "/api/v1/query?q=" + Uri.EscapeDataString(Headline));
        var reader = await GetAsync(serve.Http, headline, Basic("reader", ServeFixture.Password));
        Assert.Equal(HttpStatusCode.OK, reader.Status);
        Assert.Equal("matched", Split(reader.Body).End.GetProperty("outcome").GetString());

        // The pusher role may not read records: Redis refuses, and the answer says so.
        var pusher = await GetAsync(serve.Http, headline, Basic("pusher", ServeFixture.Password));
        Assert.Equal(HttpStatusCode.Forbidden, pusher.Status);
        Assert.Contains("NOPERM", pusher.Body, StringComparison.Ordinal);

        var wrong = await GetAsync(serve.Http, headline, Basic("reader", "not the password"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Contains("authentication failed", wrong.Body, StringComparison.Ordinal);

        var none = await GetAsync(serve.Http, headline);
        Assert.Equal(HttpStatusCode.Unauthorized, none.Status);
    }

    [Fact]
    public async Task The_audit_entry_names_the_http_user_and_the_client_address()
    {
        var tag = "audit-" + Guid.NewGuid().ToString("N");
        var (status, _, _) = await GetAsync(serve.Http, new Uri(serve.Basic, $"/api/v1/grep?object=sysctl-a&pattern={tag}"), Basic("reader", ServeFixture.Password));
        Assert.Equal(HttpStatusCode.OK, status);
        var entry = await serve.RedisCli("XREVRANGE", "#audit:reader", "+", "-", "COUNT", "1");
        Assert.Contains(tag, entry, StringComparison.Ordinal);
        Assert.Matches(@"os_user\s+reader\b", entry);
        Assert.Matches(@"client_host\s+127\.0\.0\.1\b", entry);
    }

    [Fact]
    public async Task Auth_none_is_refused_on_a_non_loopback_address()
    {
        var (exit, _, stderr) = await CliProcessTests.Run("serve", "--listen", "0.0.0.0:0", "--auth", "none", "--server", serve.Redis.Address);
        Assert.Equal(2, exit);
        Assert.Contains("allowed on a loopback address only", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Openapi_json_has_a_path_per_query_command_with_its_options()
    {
        var (status, _, body) = await GetAsync("/openapi.json");
        Assert.Equal(HttpStatusCode.OK, status);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("3.1.0", doc.RootElement.GetProperty("openapi").GetString());
        var paths = doc.RootElement.GetProperty("paths");
        foreach (var command in new[] { "grep", "search", "list-files", "compare", "compare-all", "history", "kv", "info", "verify", "audit", "topology", "query" })
        {
            Assert.True(paths.TryGetProperty("/api/v1/" + command, out _), command);
        }
        var grep = paths.GetProperty("/api/v1/grep").GetProperty("get").GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.True(grep["object"].GetProperty("required").GetBoolean());
        Assert.Equal("boolean", grep["uniq"].GetProperty("schema").GetProperty("type").GetString());
        Assert.Equal("array", grep["having"].GetProperty("schema").GetProperty("type").GetString());
        Assert.False(grep.ContainsKey("server"));
    }

    [Fact]
    public async Task Metrics_count_the_query_by_command_and_outcome()
    {
        var before = Count(await Metrics(), "list-files", "matched");
        await GetAsync("/api/v1/list-files?pattern=sysctl");
        var metrics = await Metrics();
        Assert.Equal(before + 1, Count(metrics, "list-files", "matched"));
        Assert.Contains("sysops_fast_query_duration_seconds_bucket{command=\"list-files\"", metrics, StringComparison.Ordinal);
        Assert.Contains("sysops_fast_bytes_read_total", metrics, StringComparison.Ordinal);
        Assert.Contains("sysops_fast_cores_down 0", metrics, StringComparison.Ordinal);
    }

    private async Task<string> Metrics()
    {
        var (status, _, body) = await GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    private static double Count(string metrics, string command, string outcome) =>
        metrics.Split('\n').Where(l => l.StartsWith($"sysops_fast_queries_total{{command=\"{command}\",outcome=\"{outcome}\"}}", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture)).SingleOrDefault();

    /// <summary>Requests run at once keep their own output and messages (each command's console is its request's).</summary>
    [Fact]
    public async Task Concurrent_requests_get_their_own_records_and_messages()
    {
        string[] paths =
        [
            "/api/v1/query?q=" + Uri.EscapeDataString(Headline),
            "/api/v1/grep?object=sysctl-a&pattern=somaxconn&uniq=true&max-age=1s",
            "/api/v1/list-files",
            "/api/v1/kv?object=sysctl-a&key-glob=net.core.netdev_budget*",
        ];
        var alone = new List<string>();
        foreach (var path in paths)
        {
            alone.Add((await GetAsync(path)).Body);
        }
        Assert.Contains(Split(alone[1]).End.GetProperty("messages").EnumerateArray(), m => m.GetString()!.Contains("stale record(s)", StringComparison.Ordinal));
        // Twice each: 8 at once, the default --max-queries.
        var together = await Task.WhenAll(Enumerable.Range(0, 2).SelectMany(_ => paths.Select(p => GetAsync(p))));
        for (var i = 0; i < together.Length; i++)
        {
            Assert.Equal(alone[i % paths.Length], together[i].Body);
        }
    }

    /// <summary>A core with no live server: 503 with the CLI's message; allow-partial answers, says so in the end line and in /metrics.</summary>
    [Fact]
    public async Task A_core_without_a_live_server_is_503_or_a_partial_answer_that_says_so()
    {
        await using var partial = await ServeProcess.StartAsync("--server", "127.0.0.1:1", "--server", serve.Redis.Address);
        var down = await GetAsync(serve.Http, new Uri(partial.Url, "/api/v1/list-files"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
        Assert.Contains("no server of core 127.0.0.1:1 answered", down.Body, StringComparison.Ordinal);

        var (status, _, body) = await GetAsync(serve.Http, new Uri(partial.Url, "/api/v1/list-files?allow-partial=true"));
        Assert.Equal(HttpStatusCode.OK, status);
        var (records, end) = Split(body);
        Assert.NotEmpty(records);
        Assert.Contains(end.GetProperty("messages").EnumerateArray(), m => m.GetString()!.StartsWith("warning: PARTIAL ANSWER", StringComparison.Ordinal));
        Assert.Contains("sysops_fast_cores_down 1", (await GetAsync(serve.Http, new Uri(partial.Url, "/metrics"))).Body, StringComparison.Ordinal);
    }

    /// <summary>--tls-cert/--tls-key: HTTPS that a client trusting the CA reaches, with Basic users as Redis users; plain HTTP gets nothing.</summary>
    [Fact]
    public async Task Https_with_the_given_certificate_carries_basic_credentials()
    {
        using var certs = TestCertificates.Create();
        await using var https = await ServeProcess.StartAsync("--auth", "basic", "--tls-cert", certs.Server.Cert, "--tls-key", certs.Server.Key, "--server", serve.Redis.Address);
        Assert.Equal("https", https.Url.Scheme);
        using var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certs.CaFile));
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
                chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        var (status, _, body) = await GetAsync(client, new Uri(https.Url, "/api/v1/query?q=" + Uri.EscapeDataString(Headline)), Basic("reader", ServeFixture.Password));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("matched", Split(body).End.GetProperty("outcome").GetString());
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => serve.Http.GetStringAsync(new UriBuilder(https.Url) { Scheme = "http" }.Uri));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("HEAD")]
    public async Task A_query_answers_get_only(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(serve.Open, "/api/v1/list-files"));
        using var response = await serve.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("GET", response.Content.Headers.Allow.Single());
    }

    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/assets/app.js", "text/javascript")]
    public async Task The_page_is_served_with_its_content_policy_and_no_type_sniffing(string path, string type)
    {
        using var response = await serve.Http.GetAsync(new Uri(serve.Open, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Healthz_answers_ok()
    {
        var (status, _, body) = await GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok\n", body);
    }
}
