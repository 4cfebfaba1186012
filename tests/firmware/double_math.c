/* Double-precision arithmetic as firmware built with -mfpu=fpv5-d16 does it. The host writes
 * the operands into double_in before reset and checks double_out against IEEE 754. */
#include "simtiny_hal.h"

#define N_IN 4
#define N_OUT 24

__attribute__((section(".noinit"))) volatile double double_in[N_IN];
volatile double double_out[N_OUT];
volatile int32_t int_out[4];
volatile float float_out[2];

int main(void) {
    double a = double_in[0], b = double_in[1], c = double_in[2], d = double_in[3];
    double_out[0] = a + b;
    double_out[1] = a - b;
    double_out[2] = a * b;
    double_out[3] = a / b;
    double_out[4] = __builtin_sqrt(c);
    double_out[5] = __builtin_fma(a, b, c);
    double_out[6] = a * b + c; /* -ffp-contract=off: two roundings */
    double_out[7] = -a;
    double_out[8] = __builtin_fabs(d);
    double_out[9] = (double)(float)c;
    double_out[10] = (double)(int32_t)d;
    double_out[11] = __builtin_fmax(a, d);
    double_out[12] = __builtin_fmin(a, d);
    double_out[13] = __builtin_floor(d);
    double_out[14] = __builtin_ceil(d);
    double_out[15] = __builtin_trunc(d);
    double_out[16] = __builtin_round(d);
    double_out[17] = (a > b) ? a : b;
    double_out[18] = (c < d) ? 1.0 : 2.0;
    double_out[19] = 3.0;
    double_out[20] = (double)(uint32_t)c;
    double_out[21] = a / 3.0;
    double_out[22] = (double)(int32_t)-7 * 0.1;
    double_out[23] = (a == a) ? 0.5 : 0.25;
    int_out[0] = (int32_t)d;
    int_out[1] = (int32_t)(a * 1000.0);
    int_out[2] = (int32_t)(uint32_t)c;
    int_out[3] = (a < d) - (a > d);
    float_out[0] = (float)a;
    float_out[1] = (float)(a / b);
    return 0;
}
