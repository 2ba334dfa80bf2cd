/* network.h — the DeepLabV3-MobileNetV2 forward pass: normalised image in, logits out.
 *
 * A bd_network is the plan of one forward pass for one input size and output stride: the
 * size, stride, dilation and padding of every layer, and one arena holding every activation
 * buffer (allocated once in network_new, reused across runs and layers). Running it calls
 * the kernels of whatever bd_kernels table it is given, so any ISA plugs in.
 *
 *   bd_network *net = network_new(model, 513, 513, 16, err, sizeof err);
 *   fill network_input(net) with the 513 x 513 x 3 normalised image (preprocess.h);
 *   network_run(net, kernels, NULL, NULL);
 *   const float *logits = network_logits(net, &fh, &fw, &nc);    33 x 33 x num_classes
 */
#ifndef BACKDROP_NETWORK_H
#define BACKDROP_NETWORK_H

#include <stddef.h>

#include "kernels.h"
#include "model.h"

/* Called after each layer with the TensorFlow scope of the tensor it produced (e.g.
 * "MobilenetV2/expanded_conv_3/expand", ".../depthwise", ".../project", or ".../add" when the
 * residual is fused in; "MobilenetV2/Conv", "AvgPool2D", "image_pooling", "aspp0",
 * "concat_projection", "logits/semantic") and its h x w x c NHWC contents. */
typedef void (*bd_layer_observer)(void *ctx, const char *name, const float *t,
                                  int h, int w, int c);

typedef struct bd_network bd_network;

/* Plan the network for an in_h x in_w input at output stride 8 or 16 and allocate its
 * arena. NULL with a one-line message in err if the sizes, stride or model are unusable or
 * memory runs out. The model must outlive the network. */
bd_network *network_new(const bd_model *m, int in_h, int in_w, int output_stride,
                        char *err, size_t errlen);
void network_free(bd_network *n);

/* Where the caller writes the in_h x in_w x 3 normalised input before network_run. The
 * buffer is reused for activations during the run: write the input again before each run. */
float *network_input(bd_network *n);
/* One forward pass; observer may be NULL. */
void network_run(bd_network *n, const bd_kernels *k, bd_layer_observer observer, void *ctx);
/* The logits of the last run: fh x fw x num_classes, NHWC, valid until the next run. */
const float *network_logits(const bd_network *n, int *fh, int *fw, int *classes);

/* Bytes of activation memory the arena holds (the peak: nothing else is allocated). */
size_t network_arena_bytes(const bd_network *n);
int network_input_h(const bd_network *n);
int network_input_w(const bd_network *n);
int network_output_stride(const bd_network *n);

#endif
