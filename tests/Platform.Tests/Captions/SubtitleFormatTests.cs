using VideoCoca.Gateway.Captions;

namespace VideoCoca.Platform.Tests.Captions;

/// <summary>WebVTT and SubRip as players read them: header, numbering, hh:mm:ss.mmm against hh:mm:ss,mmm, cue text that cannot break a cue.</summary>
public sealed class SubtitleFormatTests
{
    [Theory]
    [InlineData(0.0, "00:00:00.000", "00:00:00,000")]
    [InlineData(4.0, "00:00:04.000", "00:00:04,000")]
    [InlineData(3723.4567, "01:02:03.457", "01:02:03,457")]
    // Rounded to the millisecond, carrying into the next second and minute.
    [InlineData(59.9996, "00:01:00.000", "00:01:00,000")]
    [InlineData(0.0005, "00:00:00.001", "00:00:00,001")]
    // A hundred hours and more keep all their digits.
    [InlineData(360_000.25, "100:00:00.250", "100:00:00,250")]
    // A negative time (none should come) is the start of the video, not a malformed stamp.
    [InlineData(-1.0, "00:00:00.000", "00:00:00,000")]
    public void TimestampsAreHoursMinutesSecondsAndMillisecondsWithEachFormatsSeparator(double seconds, string vtt, string srt)
    {
        Assert.Equal(vtt, SubtitleFormat.WebVtt.Timestamp(seconds));
        Assert.Equal(srt, SubtitleFormat.SubRip.Timestamp(seconds));
    }

    [Fact]
    public void WebVttStartsWithItsHeaderAndNumbersItsCues()
    {
        var text = SubtitleFormat.WebVtt.Write([new(0, 4, "a large red square moves left"), new(4, 8, "a small blue square moves up")]);
        Assert.Equal(
            "WEBVTT\n\n" +
            "1\n00:00:00.000 --> 00:00:04.000\na large red square moves left\n\n" +
            "2\n00:00:04.000 --> 00:00:08.000\na small blue square moves up\n\n",
            text);
    }

    [Fact]
    public void SubRipNumbersItsCuesFromOneWithCommasBeforeTheMilliseconds()
    {
        var text = SubtitleFormat.SubRip.Write([new(0, 4, "a large red square moves left"), new(4, 6.5, "a small blue square moves up")]);
        Assert.Equal(
            "1\n00:00:00,000 --> 00:00:04,000\na large red square moves left\n\n" +
            "2\n00:00:04,000 --> 00:00:06,500\na small blue square moves up\n\n",
            text);
    }

    [Fact]
    public void ACaptionCannotEndItsCueEarlyOrReadAsMarkup()
    {
        var cue = new SubtitleCue(1, 2, "first line\n\n  second line \r\n");
        Assert.Equal("1\n00:00:01,000 --> 00:00:02,000\nfirst line\nsecond line\n\n", SubtitleFormat.SubRip.Write([cue]));
        Assert.Equal("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\na &lt;b&gt; &amp; c --&gt; d\n\n",
            SubtitleFormat.WebVtt.Write([new SubtitleCue(1, 2, "a <b> & c --> d")]));
        // An empty caption would leave a timing line with no text, which ends the cue: it shows as a dash.
        Assert.Equal("1\n00:00:01,000 --> 00:00:02,000\n-\n\n", SubtitleFormat.SubRip.Write([new SubtitleCue(1, 2, " ")]));
    }

    [Fact]
    public void NoCuesMakeAnEmptyButValidFile()
    {
        Assert.Equal("WEBVTT\n\n", SubtitleFormat.WebVtt.Write([]));
        Assert.Equal("", SubtitleFormat.SubRip.Write([]));
    }
}
