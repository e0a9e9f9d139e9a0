using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace VideoCoca.Platform.Tests.Telemetry;

/// <summary>One span as a collector receives it.</summary>
public sealed record CollectedSpan(
    string Service, string Scope, string Name, string TraceId, string SpanId, string ParentSpanId, IReadOnlyDictionary<string, string> Attributes)
{
    public override string ToString() => $"{Service} / {Scope} / {Name} (span {SpanId}, parent {(ParentSpanId.Length == 0 ? "none" : ParentSpanId)})";
}

/// <summary>
/// A loopback OTLP collector: the hosts export to it over http/protobuf (their Telemetry:OtlpEndpoint), as they would
/// to a real collector. OTLP over HTTP was chosen over the Zipkin exporter's JSON because it is the path deployments
/// configure; the few fields a test needs are read straight off the protobuf wire format (<see cref="ProtobufReader"/>),
/// so the tests need neither generated OTLP classes nor a protobuf package.
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentBag<CollectedSpan> _spans = [];
    private int _metricExports;

    private OtlpCollector(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The base URL to give the hosts as Telemetry:OtlpEndpoint.</summary>
    public string Url { get; }

    public IReadOnlyCollection<CollectedSpan> Spans => _spans.ToList();

    /// <summary>Metric exports received (their content is not read: /metrics is checked instead).</summary>
    public int MetricExports => _metricExports;

    public static async Task<OtlpCollector> StartAsync()
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var collector = new OtlpCollector(app, url);
        app.MapPost("/v1/traces", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            foreach (var span in ReadTraces(body.ToArray())) collector._spans.Add(span);
            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/metrics", async (HttpContext http) =>
        {
            await http.Request.Body.CopyToAsync(Stream.Null);
            Interlocked.Increment(ref collector._metricExports);
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return collector;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// ExportTraceServiceRequest: resource_spans = 1 { resource = 1 { attributes = 1 }, scope_spans = 2 { scope = 1
    /// { name = 1 }, spans = 2 { trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, attributes = 9 } } }.
    /// </summary>
    public static IEnumerable<CollectedSpan> ReadTraces(byte[] request)
    {
        foreach (var resourceSpans in ProtobufReader.Messages(request, 1))
        {
            var service = "";
            foreach (var resource in ProtobufReader.Messages(resourceSpans, 1))
            {
                service = Attributes(resource, 1).GetValueOrDefault("service.name", "");
            }
            foreach (var scopeSpans in ProtobufReader.Messages(resourceSpans, 2))
            {
                var scope = ProtobufReader.Messages(scopeSpans, 1).Select(s => ProtobufReader.String(s, 1)).FirstOrDefault() ?? "";
                foreach (var span in ProtobufReader.Messages(scopeSpans, 2))
                {
                    yield return new CollectedSpan(service, scope, ProtobufReader.String(span, 5),
                        Convert.ToHexStringLower(ProtobufReader.Bytes(span, 1)), Convert.ToHexStringLower(ProtobufReader.Bytes(span, 2)),
                        Convert.ToHexStringLower(ProtobufReader.Bytes(span, 4)), Attributes(span, 9));
                }
            }
        }
    }

    /// <summary>KeyValue { key = 1, value = 2 AnyValue { string_value = 1, bool_value = 2, int_value = 3, double_value = 4 } }, as text.</summary>
    private static Dictionary<string, string> Attributes(ReadOnlyMemory<byte> message, int field)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var pair in ProtobufReader.Messages(message, field))
        {
            var key = ProtobufReader.String(pair, 1);
            var value = "";
            foreach (var any in ProtobufReader.Messages(pair, 2))
            {
                foreach (var (number, wire, data) in ProtobufReader.Fields(any))
                {
                    value = (number, wire) switch
                    {
                        (1, ProtobufReader.LengthDelimited) => Encoding.UTF8.GetString(data.Span),
                        (2 or 3, ProtobufReader.Varint) => ProtobufReader.VarintValue(data).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        (4, ProtobufReader.Fixed64) => BitConverter.ToDouble(data.Span).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        _ => value,
                    };
                }
            }
            attributes[key] = value;
        }
        return attributes;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Just enough of protobuf's wire format to read an OTLP request: fields by number, nested messages, strings, bytes.</summary>
public static class ProtobufReader
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    /// <summary>Every field of a message in order: number, wire type, and its bytes (a varint's own bytes for wire type 0).</summary>
    public static IEnumerable<(int Number, int Wire, ReadOnlyMemory<byte> Data)> Fields(ReadOnlyMemory<byte> message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var key = ReadVarint(message.Span, ref position);
            var (number, wire) = ((int)(key >> 3), (int)(key & 7));
            switch (wire)
            {
                case Varint:
                    var start = position;
                    ReadVarint(message.Span, ref position);
                    yield return (number, wire, message[start..position]);
                    break;
                case Fixed64:
                    yield return (number, wire, message.Slice(position, 8));
                    position += 8;
                    break;
                case LengthDelimited:
                    var length = (int)ReadVarint(message.Span, ref position);
                    yield return (number, wire, message.Slice(position, length));
                    position += length;
                    break;
                case Fixed32:
                    yield return (number, wire, message.Slice(position, 4));
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {wire} (field {number}) is not one OTLP uses");
            }
        }
    }

    public static IEnumerable<ReadOnlyMemory<byte>> Messages(ReadOnlyMemory<byte> message, int field) =>
        Fields(message).Where(f => f.Number == field && f.Wire == LengthDelimited).Select(f => f.Data);

    public static string String(ReadOnlyMemory<byte> message, int field) =>
        Messages(message, field).Select(d => Encoding.UTF8.GetString(d.Span)).LastOrDefault() ?? "";

    public static byte[] Bytes(ReadOnlyMemory<byte> message, int field) =>
        Messages(message, field).Select(d => d.ToArray()).LastOrDefault() ?? [];

    public static ulong VarintValue(ReadOnlyMemory<byte> data)
    {
        var position = 0;
        return ReadVarint(data.Span, ref position);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("a varint longer than 10 bytes");
    }
}
