/* TFLite_Detection_PostProcess, LiteRT's custom operator (detection_postprocess.cc): SSD box
 * encodings decoded against anchors, then non-maximum suppression, fast (each anchor ranked by
 * its best class) or regular (per class, then the best over all classes). */
#ifndef ST_DETECTION_POSTPROCESS_H
#define ST_DETECTION_POSTPROCESS_H

#include <stdint.h>

/* One input's element type: float32, or uint8 dequantised as (q - zero_point) * scale. */
typedef struct {
    int32_t is_u8;
    int32_t zero_point;
    float scale;
} st_dp_input;

typedef struct {
    int32_t num_boxes;                /* N: anchors, box encodings, rows of class scores */
    int32_t box_stride;               /* values per box encoding (4 or more; the first 4 are read) */
    int32_t classes_with_background;  /* K: values per row of class scores */
    int32_t num_classes;              /* C: K, or K - 1 when column 0 is the background */
    int32_t max_detections;           /* D */
    int32_t max_classes_per_detection;
    int32_t detections_per_class;
    int32_t regular_nms;
    float score_threshold, iou_threshold;
    float y_scale, x_scale, h_scale, w_scale;
    st_dp_input boxes, scores, anchors;
} st_detection_postprocess_params;

/* `scratch` (4-byte aligned) holds, in 32-bit words: the decoded boxes (4N), five arrays of N
 * for the suppression (kept indices and scores, their order, a merge buffer, the selection),
 * then for regular NMS one class's scores (N) and four arrays of D (the best so far and the next
 * merge: indices and scores), for fast NMS each anchor's best score (N), its top classes
 * (N min(max_classes, C)), one row of class indices (C) and, for uint8 scores, one row of them
 * dequantised (C); and after those N bytes of candidate flags. simtiny.lower.detection sizes it
 * the same way. */
void st_detection_postprocess(const st_detection_postprocess_params *p, const void *boxes, const void *scores,
                              const void *anchors, float *out_boxes, float *out_classes, float *out_scores,
                              float *out_count, void *scratch);

#endif
