using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;

namespace SysopsFast.DeltaStudy;

/// <summary>
/// Damaged payloads against the decoder and the query walk: every truncation of some hosts'
/// payloads and random byte changes. Each must read as corrupt or give bytes the md5 check would
/// judge; an exception, or output past the raw length, stops the study.
/// </summary>
internal static class HostileInputs
{
    public sealed record Outcome(DeltaForm Form, long Tried, long Corrupt, long Decoded, long DecodedWrong);

    public static List<Outcome> Run(ObjectSizes sysctl, CompressionDictionary dictionary, int hosts, int flipsPerHost)
    {
        var matcher = MatcherFactory.Create(SyntheticFleet.HeadlinePattern, regex: true, ignoreCase: false);
        var matches = new BaseMatches(sysctl.Base, matcher);
        var outcomes = new List<Outcome>();
        foreach (var form in ObjectSizes.Forms)
        {
            using var unpack = form == DeltaForm.PackedTails ? dictionary.CreateDecompressor() : null;
            var decoder = new DeltaDecoder(sysctl.Base, form, unpack);
            var grep = new DeltaGrep(matches, matcher, form, unpack, new UniqCountSink());
            var outcome = new Outcome(form, 0, 0, 0, 0);
            var rng = new Random(7);
            foreach (var host in sysctl.Hosts.Take(hosts))
            {
                var payload = host.Deltas[(int)form];
                var expected = RecordEncoder.Md5Of(Decoded(decoder, payload, host.RawLength));
                foreach (var damaged in Truncations(payload).Concat(Flips(payload, rng, flipsPerHost)))
                {
                    var back = decoder.Decode(damaged, host.RawLength);
                    grep.Search(damaged, host.RawLength);
                    outcome = outcome with
                    {
                        Tried = outcome.Tried + 1,
                        Corrupt = outcome.Corrupt + (back is null ? 1 : 0),
                        Decoded = outcome.Decoded + (back is null ? 0 : 1),
                        DecodedWrong = outcome.DecodedWrong + (back is not null && RecordEncoder.Md5Of(back) != expected ? 1 : 0),
                    };
                }
            }
            outcomes.Add(outcome);
        }
        return outcomes;
    }

    private static byte[] Decoded(DeltaDecoder decoder, byte[] payload, int rawLength) =>
        decoder.Decode(payload, rawLength) ?? throw new InvalidOperationException("an undamaged payload reads as corrupt");

    private static IEnumerable<byte[]> Truncations(byte[] payload) => Enumerable.Range(0, payload.Length).Select(n => payload[..n]);

    private static IEnumerable<byte[]> Flips(byte[] payload, Random rng, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var damaged = (byte[])payload.Clone();
            damaged[rng.Next(damaged.Length)] = (byte)rng.Next(256);
            yield return damaged;
        }
    }
}
