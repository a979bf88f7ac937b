/**
 * report.html without a browser: a document that loads nothing (no script, stylesheet, font or
 * image reference; the only URL is the SVG namespace), escapes what comes from outside, and draws
 * a call's timeline from the playback model: what was heard, what a clear cut, where the caller
 * talked over the agent. test/integration/report-html-chromium.test.ts renders it in Chromium.
 */
import { describe, expect, it } from 'vitest';
import { playedStretches, renderCallTimeline, talkOver } from '../../harness/report/call-timeline-svg.ts';
import { journalMoments } from '../../harness/report/journal-moments.ts';
import { percentileX, renderPercentilePlot } from '../../harness/report/percentile-plot.ts';
import { createHistogram } from '../../harness/metrics/histogram.ts';
import { bargeInJournal, bargeInTimeline, sampleReportHtml as sampleHtml } from './helpers/report-call.ts';

describe('report.html', () => {
  it('loads nothing from anywhere: no script, stylesheet, font, image or remote URL', () => {
    const html = sampleHtml();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|<embed|@import|@font-face|\ssrc=/i);
    expect(html.match(/https?:\/\/[^\s"'<>)]*/g)?.every((url) => url === 'http://www.w3.org/2000/svg')).toBe(true);
    expect(html.match(/url\(([^)]*)\)/g)?.every((ref) => ref.startsWith('url(#'))).toBe(true);
    // Links to the run's own files are anchors, relative, never loaded.
    expect(html).toContain('<a href="calls/1/timeline.json">timeline.json</a> · <a href="calls/1/call.wav">call.wav</a>');
  });

  it('escapes what comes from outside', () => {
    const html = sampleHtml();
    expect(html).not.toContain('<& "now">');
    expect(html).toContain('Wait, stop &lt;&amp; &quot;now&quot;&gt;');
    expect(html).toContain('&lt;leak&gt; &amp; &quot;more&quot;');
  });

  it('has the headline, a plot per headline metric with its target, the stages plot and the call', () => {
    const html = sampleHtml();
    expect(html).toContain('<h2>Targets: all 1 met</h2>');
    expect(html).toContain('<h2>Thresholds: 1 of 1 failed (exit 99)</h2>');
    // greeting.first_audio_ms, turn.response_ms, bargein.clear_ms, and one for the stages.
    expect(html.match(/<svg class="plot"/g)).toHaveLength(4);
    expect(html).toMatch(/<line class="target"[^>]*><title>target p\(50\)&lt;=200<\/title>/);
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(1);
    expect(html).toContain('2 more call(s) are not shown');
    expect(html).toContain('Calls with a failure: <a href="#call-1">#1</a>');
  });
});

describe('the call timeline', () => {
  it('draws what was heard, what the clear cut and where the caller talked over the agent', () => {
    const timeline = bargeInTimeline();
    const { heard, cut } = playedStretches(timeline);
    expect(heard).toEqual([
      { from: 1100, to: 1800 },
      { from: 1900, to: 2000 },
      { from: 3000, to: 3200 },
    ]);
    expect(cut).toEqual([{ from: 1800, to: 3100 }]);
    // The caller spoke 1600–2400: over the reply until the clear, and over the leaked chunk.
    expect(talkOver(timeline, heard)).toEqual([
      { from: 1600, to: 1800 },
      { from: 1900, to: 2000 },
    ]);
    const svg = renderCallTimeline(timeline, bargeInJournal(), '7');
    expect(svg.match(/class="clear"/g)).toHaveLength(1);
    expect(svg.match(/class="played"/g)).toHaveLength(3);
    expect(svg.match(/class="talk-over"/g)).toHaveLength(2);
    expect(svg).toContain('fill="url(#hatch-7)"');
    expect(svg).toContain('<pattern id="hatch-7"');
    expect(svg).toMatch(/class="moment stt-final"[^>]*><title>STT final \(speech_final\): “wait, stop now” at 1\.500 s<\/title>/);
  });

  it('marks the journal moments the stage metrics run between', () => {
    const moments = journalMoments(bargeInJournal());
    expect(moments.map((m) => `${m.lane} ${m.kind}${m.major ? '!' : ''}`)).toEqual([
      'stt stt-interim',
      'stt stt-final!',
      'llm llm-request!',
      'llm llm-first-token!',
      'tts tts-text',
      'tts tts-request!',
      'tts tts-first-audio!',
    ]);
  });
});

describe('the percentile plot', () => {
  it('spaces p90, p99 and p99.9 evenly, and draws a line per series with samples', () => {
    expect(percentileX(0)).toBe(0);
    expect(percentileX(90)).toBeCloseTo(1 / 3);
    expect(percentileX(99)).toBeCloseTo(2 / 3);
    expect(percentileX(99.9)).toBeCloseTo(1);
    const a = createHistogram();
    for (const v of [100, 200, 300]) a.record(v);
    const svg = renderPercentilePlot('m', [{ label: 'a', histogram: a }, { label: 'empty', histogram: createHistogram() }], [{ label: 'target', ms: 250 }]);
    expect(svg.match(/class="series"/g)).toHaveLength(1);
    expect(svg.match(/class="target"/g)).toHaveLength(1);
    expect(renderPercentilePlot('m', [])).toContain('no samples');
  });
});
