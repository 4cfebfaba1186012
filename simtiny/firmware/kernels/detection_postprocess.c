/* TFLite_Detection_PostProcess as LiteRT computes it, value for value:
 * - decoding in double as LiteRT casts it (centre = y / y_scale * anchor_h + anchor_y, half size =
 *   0.5 * e^(h / h_scale) * anchor_h), each rounded to float once, e^x from st_exp_f64;
 * - suppression over the scores at or above the threshold in decreasing order, ties kept in index
 *   order (LiteRT's std::stable_sort; a merge sort here), intersection over union in float;
 * - regular NMS: each class's selection merged into the best so far, stably (equal scores: the
 *   earlier class first);
 * - fast NMS: an anchor's best classes by a heap selection that visits and swaps exactly as
 *   libstdc++'s std::partial_sort does, so that tied scores come out in LiteRT's order; a
 *   partial sort of one is the first maximum (ArgMaxVector).
 * Unused output slots are zero (LiteRT's regular NMS writes zeros; its fast NMS leaves them). */
#include "detection_postprocess.h"

#include <stddef.h>

/* e^x to within about an ulp of double: x = k ln2 + r with |r| <= ln2 / 2 (ln2 in two parts, the
 * first with 32 zero bits at the bottom so that k * LN2_HI is exact), e^r by its Taylor series to
 * r^13 (the next term is below 2^-55 of the sum), 2^k put in through the exponent field. */
static double st_exp_f64(double x) {
    static const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
    static const double LOG2_E = 1.44269504088896338700e+00;
    if (x != x) {
        return x;
    }
    if (x > 709.79) {
        return __builtin_inf();
    }
    if (x < -745.2) {
        return 0.0;
    }
    const int32_t k = (int32_t)(x * LOG2_E + (x >= 0.0 ? 0.5 : -0.5));
    const double r = (x - (double)k * LN2_HI) - (double)k * LN2_LO;
    double sum = 1.0 / 6227020800.0; /* 1/13! */
    static const double inverse_factorials[12] = {
        1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0,
        1.0 / 720.0,       1.0 / 120.0,      1.0 / 24.0,      1.0 / 6.0,      1.0 / 2.0,     1.0,
    };
    for (int i = 0; i < 12; i++) {
        sum = sum * r + inverse_factorials[i];
    }
    const double e = sum * r + 1.0;
    /* 2^k in two steps where one would leave the normal range */
    int32_t k1 = k > 1000 ? k - 1000 : k < -1000 ? k + 1000 : 0;
    int32_t k2 = k - k1;
    union {
        double d;
        uint64_t u;
    } s1, s2;
    s1.u = (uint64_t)(k1 + 1023) << 52;
    s2.u = (uint64_t)(k2 + 1023) << 52;
    return e * s2.d * s1.d;
}

static float input_value(const st_dp_input *in, const void *data, int32_t index) {
    if (in->is_u8) {
        return ((float)((const uint8_t *)data)[index] - (float)in->zero_point) * in->scale;
    }
    return ((const float *)data)[index];
}

/* Class score `index`: float32 as it is, uint8 dequantised as LiteRT's Dequantize does it (the
 * scale in double; the product of a float and a small integer is exact there, then rounded to
 * float once). Taken when needed rather than all at once: N K floats would not fit an SSD's. */
static float score_at(const st_detection_postprocess_params *p, const void *scores, int32_t index) {
    if (p->scores.is_u8) {
        const int32_t q = ((const uint8_t *)scores)[index];
        return (float)((double)p->scores.scale * (double)(q - p->scores.zero_point));
    }
    return ((const float *)scores)[index];
}

static void decode(const st_detection_postprocess_params *p, const void *boxes, const void *anchors, float *out) {
    for (int32_t i = 0; i < p->num_boxes; i++) {
        const int32_t b = i * p->box_stride, a = i * 4;
        const double y = input_value(&p->boxes, boxes, b), x = input_value(&p->boxes, boxes, b + 1);
        const double h = input_value(&p->boxes, boxes, b + 2), w = input_value(&p->boxes, boxes, b + 3);
        const double ay = input_value(&p->anchors, anchors, a), ax = input_value(&p->anchors, anchors, a + 1);
        const double ah = input_value(&p->anchors, anchors, a + 2), aw = input_value(&p->anchors, anchors, a + 3);
        const float yc = (float)(y / (double)p->y_scale * ah + ay);
        const float xc = (float)(x / (double)p->x_scale * aw + ax);
        const float half_h = (float)(0.5 * st_exp_f64(h / (double)p->h_scale) * ah);
        const float half_w = (float)(0.5 * st_exp_f64(w / (double)p->w_scale) * aw);
        out[a] = yc - half_h;
        out[a + 1] = xc - half_w;
        out[a + 2] = yc + half_h;
        out[a + 3] = xc + half_w;
    }
}

static float max_f(float a, float b) { return a < b ? b : a; } /* std::max */
static float min_f(float a, float b) { return b < a ? b : a; } /* std::min */

/* ComputeIntersectionOverUnion of two decoded boxes (ymin, xmin, ymax, xmax). */
static float iou(const float *boxes, int32_t i, int32_t j) {
    const float *bi = boxes + 4 * i, *bj = boxes + 4 * j;
    const float area_i = (bi[2] - bi[0]) * (bi[3] - bi[1]);
    const float area_j = (bj[2] - bj[0]) * (bj[3] - bj[1]);
    if (area_i <= 0 || area_j <= 0) {
        return 0.0f;
    }
    const float ymin = max_f(bi[0], bj[0]), xmin = max_f(bi[1], bj[1]);
    const float ymax = min_f(bi[2], bj[2]), xmax = min_f(bi[3], bj[3]);
    const float inter = max_f(ymax - ymin, 0.0f) * max_f(xmax - xmin, 0.0f);
    return inter / (area_i + area_j - inter);
}

/* order[0..n) = 0..n-1 sorted by decreasing value, equal values in index order (merge sort). */
static void stable_order(const float *v, int32_t n, int32_t *order, int32_t *buffer) {
    for (int32_t i = 0; i < n; i++) {
        order[i] = i;
    }
    int32_t *from = order, *to = buffer;
    for (int32_t width = 1; width < n; width *= 2) {
        for (int32_t lo = 0; lo < n; lo += 2 * width) {
            const int32_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            int32_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi) {
                to[k++] = v[from[b]] > v[from[a]] ? from[b++] : from[a++];
            }
            while (a < mid) {
                to[k++] = from[a++];
            }
            while (b < hi) {
                to[k++] = from[b++];
            }
        }
        int32_t *t = from;
        from = to;
        to = t;
    }
    if (from != order) {
        for (int32_t i = 0; i < n; i++) {
            order[i] = from[i];
        }
    }
}

/* The heap of std::partial_sort over indices, "before" meaning a larger value: `value` goes into
 * the hole at `hole` of heap[0..len) by moving the hole down to a leaf along the earlier-ranked
 * children, then back up while the parent ranks below `value`. */
static void heap_adjust(const float *v, int32_t *heap, int32_t hole, int32_t len, int32_t value) {
    const int32_t top = hole;
    int32_t child = hole;
    while (child < (len - 1) / 2) {
        child = 2 * (child + 1);
        if (v[heap[child]] > v[heap[child - 1]]) {
            child--;
        }
        heap[hole] = heap[child];
        hole = child;
    }
    if ((len & 1) == 0 && child == (len - 2) / 2) {
        child = 2 * (child + 1);
        heap[hole] = heap[child - 1];
        hole = child - 1;
    }
    int32_t parent = (hole - 1) / 2;
    while (hole > top && v[heap[parent]] > v[value]) {
        heap[hole] = heap[parent];
        hole = parent;
        parent = (hole - 1) / 2;
    }
    heap[hole] = value;
}

/* The root of heap[0..len) out to heap[slot], heap[slot]'s index into the heap. */
static void heap_pop(const float *v, int32_t *heap, int32_t len, int32_t slot) {
    const int32_t value = heap[slot];
    heap[slot] = heap[0];
    heap_adjust(v, heap, 0, len, value);
}

/* DecreasingPartialArgSort: order[0..m) the indices of the m largest of v[0..n), largest first. */
static void partial_order(const float *v, int32_t n, int32_t m, int32_t *order) {
    if (m == 1) {
        int32_t best = 0;
        for (int32_t i = 1; i < n; i++) {
            best = v[i] > v[best] ? i : best;
        }
        order[0] = best;
        return;
    }
    for (int32_t i = 0; i < n; i++) {
        order[i] = i;
    }
    if (m < 1) {
        return;
    }
    for (int32_t parent = (m - 2) / 2; m >= 2 && parent >= 0; parent--) { /* make the heap */
        heap_adjust(v, order, parent, m, order[parent]);
    }
    for (int32_t i = m; i < n; i++) { /* select */
        if (v[order[i]] > v[order[0]]) {
            heap_pop(v, order, m, i);
        }
    }
    for (int32_t len = m - 1; len >= 1; len--) { /* sort the heap */
        heap_pop(v, order, len, len);
    }
}

typedef struct {
    const float *boxes; /* decoded */
    int32_t *keep, *order, *buffer, *selected;
    float *keep_scores;
    uint8_t *active;
} suppression;

/* NonMaxSuppressionSingleClassHelper: up to `limit` anchors by decreasing score, each dropping the
 * later candidates that overlap it by more than the threshold; returns how many, in s->selected. */
static int32_t suppress(const st_detection_postprocess_params *p, const suppression *s, const float *scores,
                        int32_t limit) {
    int32_t kept = 0;
    for (int32_t i = 0; i < p->num_boxes; i++) {
        if (scores[i] >= p->score_threshold) {
            s->keep[kept] = i;
            s->keep_scores[kept++] = scores[i];
        }
    }
    stable_order(s->keep_scores, kept, s->order, s->buffer);
    const int32_t wanted = kept < limit ? kept : limit;
    for (int32_t i = 0; i < kept; i++) {
        s->active[i] = 1;
    }
    int32_t active = kept, count = 0;
    for (int32_t i = 0; i < kept && active > 0 && count < wanted; i++) {
        if (!s->active[i]) {
            continue;
        }
        const int32_t box = s->keep[s->order[i]];
        s->selected[count++] = box;
        s->active[i] = 0;
        active--;
        for (int32_t j = i + 1; j < kept; j++) {
            if (s->active[j] && iou(s->boxes, box, s->keep[s->order[j]]) > p->iou_threshold) {
                s->active[j] = 0;
                active--;
            }
        }
    }
    return count;
}

static void put_box(const float *decoded, int32_t anchor, float *out) {
    for (int32_t k = 0; k < 4; k++) {
        out[k] = decoded[4 * anchor + k];
    }
}

/* NonMaxSuppressionMultiClassRegularHelper: per class, up to min(detections_per_class, D) anchors
 * by suppression, merged into the running best D (a stable merge, the earlier classes first among
 * equal scores: LiteRT's std::inplace_merge on one thread). */
static int32_t regular(const st_detection_postprocess_params *p, const suppression *s, const void *scores,
                       float *words, float *out_boxes, float *out_classes, float *out_scores) {
    const int32_t n = p->num_boxes, d = p->max_detections, k = p->classes_with_background;
    const int32_t offset = k - p->num_classes;
    const int32_t per_class = p->detections_per_class < d ? p->detections_per_class : d;
    float *class_scores = words;
    int32_t *best = (int32_t *)(class_scores + n);
    float *best_scores = (float *)(best + d);
    int32_t *merged = (int32_t *)(best_scores + d);
    float *merged_scores = (float *)(merged + d);
    int32_t size = 0;
    for (int32_t c = 0; c < p->num_classes; c++) {
        for (int32_t row = 0; row < n; row++) {
            class_scores[row] = score_at(p, scores, row * k + c + offset);
        }
        const int32_t found = suppress(p, s, class_scores, per_class);
        int32_t a = 0, b = 0, m = 0;
        for (; m < d && (a < size || b < found); m++) {
            if (b < found && (a == size || class_scores[s->selected[b]] > best_scores[a])) {
                merged[m] = s->selected[b] * k + c + offset;
                merged_scores[m] = class_scores[s->selected[b++]];
            } else {
                merged[m] = best[a];
                merged_scores[m] = best_scores[a++];
            }
        }
        for (int32_t i = 0; i < m; i++) {
            best[i] = merged[i];
            best_scores[i] = merged_scores[i];
        }
        size = m;
    }
    for (int32_t i = 0; i < size; i++) {
        const int32_t anchor = best[i] / k;
        put_box(s->boxes, anchor, out_boxes + 4 * i);
        out_classes[i] = (float)(best[i] - anchor * k - offset);
        out_scores[i] = best_scores[i];
    }
    return size;
}

static int32_t fast(const st_detection_postprocess_params *p, const suppression *s, const void *scores,
                    float *words, float *out_boxes, float *out_classes, float *out_scores) {
    const int32_t n = p->num_boxes, k = p->classes_with_background, c = p->num_classes;
    const int32_t offset = k - c, per_anchor = p->max_classes_per_detection;
    const int32_t categories = per_anchor < c ? per_anchor : c;
    float *max_scores = words;
    int32_t *top = (int32_t *)(max_scores + n);
    int32_t *row_order = top + n * categories;
    float *row_buffer = (float *)(row_order + c);
    for (int32_t row = 0; row < n; row++) {
        const float *row_scores = (const float *)scores + row * k + offset;
        if (p->scores.is_u8) {
            for (int32_t j = 0; j < c; j++) {
                row_buffer[j] = score_at(p, scores, row * k + offset + j);
            }
            row_scores = row_buffer;
        }
        partial_order(row_scores, c, categories, row_order);
        for (int32_t j = 0; j < categories; j++) {
            top[row * categories + j] = row_order[j];
        }
        max_scores[row] = row_scores[row_order[0]];
    }
    const int32_t found = suppress(p, s, max_scores, p->max_detections);
    for (int32_t i = 0; i < found; i++) {
        const int32_t anchor = s->selected[i];
        for (int32_t j = 0; j < categories; j++) {
            const int32_t slot = per_anchor * i + j, cls = top[anchor * categories + j];
            put_box(s->boxes, anchor, out_boxes + 4 * slot);
            out_classes[slot] = (float)cls;
            out_scores[slot] = score_at(p, scores, anchor * k + offset + cls);
        }
    }
    return found;
}

void st_detection_postprocess(const st_detection_postprocess_params *p, const void *boxes, const void *scores,
                              const void *anchors, float *out_boxes, float *out_classes, float *out_scores,
                              float *out_count, void *scratch) {
    const int32_t n = p->num_boxes, slots = p->max_detections * p->max_classes_per_detection;
    float *decoded = (float *)scratch;
    float *words = decoded + 4 * n;
    suppression s;
    s.boxes = decoded;
    s.keep = (int32_t *)words;
    s.keep_scores = (float *)(s.keep + n);
    s.order = (int32_t *)(s.keep_scores + n);
    s.buffer = s.order + n;
    s.selected = s.buffer + n;
    words = (float *)(s.selected + n);
    const int32_t tail = p->regular_nms ? n + 4 * p->max_detections
                                        : n + n * (p->max_classes_per_detection < p->num_classes
                                                       ? p->max_classes_per_detection
                                                       : p->num_classes) +
                                              p->num_classes * (p->scores.is_u8 ? 2 : 1);
    s.active = (uint8_t *)(words + tail);
    for (int32_t i = 0; i < slots; i++) {
        out_boxes[4 * i] = out_boxes[4 * i + 1] = out_boxes[4 * i + 2] = out_boxes[4 * i + 3] = 0.0f;
        out_classes[i] = out_scores[i] = 0.0f;
    }
    decode(p, boxes, anchors, decoded);
    const int32_t found = p->regular_nms ? regular(p, &s, scores, words, out_boxes, out_classes, out_scores)
                                         : fast(p, &s, scores, words, out_boxes, out_classes, out_scores);
    out_count[0] = (float)found;
}
