#include "sim/rateschedule.h"

#include <algorithm>
#include <limits>

namespace faultline {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

RateSchedule::RateSchedule(const std::vector<RatePoint>& points)
{
    double previous = 0.0;
    for (size_t i = 0; i < points.size(); ++i) {
        const RatePoint& p = points[i];
        const double next = i + 1 < points.size() ? points[i + 1].at_s : kInf;
        if (p.ramp_s > 0.0) {
            const double rampEnd = std::min(p.at_s + p.ramp_s, next);
            const double reached = previous + (p.rate_rps - previous) * ((rampEnd - p.at_s) / p.ramp_s);
            m_segments.push_back({ p.at_s, rampEnd, previous, reached });
            if (rampEnd < next) m_segments.push_back({ rampEnd, next, p.rate_rps, p.rate_rps });
            previous = rampEnd < next ? p.rate_rps : reached;
        } else {
            m_segments.push_back({ p.at_s, next, p.rate_rps, p.rate_rps });
            previous = p.rate_rps;
        }
    }
    if (m_segments.empty()) m_segments.push_back({ 0.0, kInf, 0.0, 0.0 });
}

const RateSchedule::Segment* RateSchedule::segmentAt(double t) const
{
    auto it = std::upper_bound(
        m_segments.begin(), m_segments.end(), t, [](double value, const Segment& s) { return value < s.start; });
    if (it == m_segments.begin()) return &m_segments.front();
    return &*(it - 1);
}

double RateSchedule::rateAt(double t) const
{
    const Segment* s = segmentAt(t);
    if (s->r0 == s->r1 || s->end == kInf) return s->r0;
    return s->r0 + (s->r1 - s->r0) * ((t - s->start) / (s->end - s->start));
}

double RateSchedule::nextArrival(double t, Arrival arrival, Random& random) const
{
    const Segment* s = segmentAt(t);
    const Segment* const last = &m_segments.back();
    while (true) {
        const double peak = std::max(s->r0, s->r1);
        if (peak > 0.0) {
            if (arrival == Arrival::Constant) {
                const double rate = rateAt(t);
                if (rate > 0.0) {
                    const double next = t + 1.0 / rate;
                    if (next < s->end) return next;
                }
            } else {
                double candidate = t;
                while (true) {
                    candidate += random.exponential(1.0 / peak);
                    if (candidate >= s->end) break;
                    if (s->r0 == s->r1 || random.uniform() * peak < rateAt(candidate)) return candidate;
                }
            }
        }
        if (s == last) return -1.0;
        ++s;
        t = s->start;
        if (arrival == Arrival::Constant && s->r0 > 0.0)
            return t; // the first arrival of a newly started rate lands at its start
    }
}

} // namespace faultline
