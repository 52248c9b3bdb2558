"""YOLOv8 detection loss: task-aligned assigner, CIoU + DFL box loss, BCE class loss.

Follows Ultralytics v8DetectionLoss / TaskAlignedAssigner (Feng et al., TOOD 2021),
with one change for SAR: a ground-truth box smaller than an anchor's cell still
offers that cell's anchor as a candidate, so vessels of a few pixels are never
left without a positive sample.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .model import dist2bbox, make_anchors


def intersection(box1, box2):
    """Area shared by xyxy boxes, broadcast over leading dimensions; the last dimension kept (1)."""
    b1_x1, b1_y1, b1_x2, b1_y2 = box1.chunk(4, -1)
    b2_x1, b2_y1, b2_x2, b2_y2 = box2.chunk(4, -1)
    return (b1_x2.minimum(b2_x2) - b1_x1.maximum(b2_x1)).clamp(0) * \
           (b1_y2.minimum(b2_y2) - b1_y1.maximum(b2_y1)).clamp(0)


def centre_penalty(b1, b2, eps: float = 1e-7):
    """Squared distance between the centres of two sets of boxes over the squared diagonal of the
    box enclosing both (DIoU's term; Zheng et al., AAAI 2020), broadcast, the last dimension kept
    (1). b1, b2: their (x1, y1, x2, y2) as `box.chunk(4, -1)` gives them, so that `bbox_iou`
    passes the pieces it already has (its gradients stay those of one chunk per box). CIoU in the
    box loss and DIoU-NMS in the evaluator both subtract it from the IoU."""
    (b1_x1, b1_y1, b1_x2, b1_y2), (b2_x1, b2_y1, b2_x2, b2_y2) = b1, b2
    cw = b1_x2.maximum(b2_x2) - b1_x1.minimum(b2_x1)
    ch = b1_y2.maximum(b2_y2) - b1_y1.minimum(b2_y1)
    c2 = cw.pow(2) + ch.pow(2) + eps
    rho2 = ((b2_x1 + b2_x2 - b1_x1 - b1_x2).pow(2) + (b2_y1 + b2_y2 - b1_y1 - b1_y2).pow(2)) / 4
    return rho2 / c2


def bbox_iou(box1, box2, ciou: bool = False, eps: float = 1e-7):
    """IoU (or Complete-IoU) of xyxy boxes, broadcast over leading dimensions."""
    b1, b2 = box1.chunk(4, -1), box2.chunk(4, -1)
    b1_x1, b1_y1, b1_x2, b1_y2 = b1
    b2_x1, b2_y1, b2_x2, b2_y2 = b2
    w1, h1 = b1_x2 - b1_x1, (b1_y2 - b1_y1).clamp(eps)
    w2, h2 = b2_x2 - b2_x1, (b2_y2 - b2_y1).clamp(eps)
    inter = intersection(box1, box2)
    union = w1 * h1 + w2 * h2 - inter + eps
    iou = inter / union
    if not ciou:
        return iou
    v = (4 / math.pi ** 2) * (torch.atan(w2 / h2) - torch.atan(w1 / h1)).pow(2)
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (centre_penalty(b1, b2, eps) + v * alpha)


class TaskAlignedAssigner(nn.Module):
    def __init__(self, topk: int = 10, num_classes: int = 1, alpha: float = 0.5, beta: float = 6.0,
                 eps: float = 1e-9):
        super().__init__()
        self.topk, self.nc, self.alpha, self.beta, self.eps = topk, num_classes, alpha, beta, eps

    @torch.no_grad()
    def forward(self, pd_scores, pd_bboxes, anc_points, anc_strides, gt_labels, gt_bboxes, mask_gt):
        """pd_scores [B,A,C] (sigmoid), pd_bboxes [B,A,4] xyxy px, anc_points [A,2] px,
        anc_strides [A,1], gt_labels [B,M,1], gt_bboxes [B,M,4], mask_gt [B,M,1]."""
        bs, n_max = gt_bboxes.shape[:2]
        if n_max == 0:
            return (torch.zeros_like(pd_bboxes), torch.zeros_like(pd_scores),
                    torch.zeros(pd_scores.shape[:2], dtype=torch.bool, device=pd_scores.device))
        mask_in = self._candidates(anc_points, anc_strides, gt_bboxes)            # [B,M,A]
        align, overlaps = self._metrics(pd_scores, pd_bboxes, gt_labels, gt_bboxes, mask_in * mask_gt)
        mask_topk = self._topk(align, mask_gt.expand(-1, -1, self.topk).bool())
        mask_pos = mask_topk * mask_in * mask_gt                                  # [B,M,A]
        # An anchor claimed by several boxes keeps the one it overlaps most.
        fg = mask_pos.sum(-2)
        if fg.max() > 1:
            multi = (fg.unsqueeze(1) > 1).expand(-1, n_max, -1)
            best = overlaps.argmax(1)
            is_max = F.one_hot(best, n_max).permute(0, 2, 1).to(overlaps.dtype)
            mask_pos = torch.where(multi, is_max, mask_pos)
            fg = mask_pos.sum(-2)
        gt_idx = mask_pos.argmax(-2)                                              # [B,A]
        batch = torch.arange(bs, dtype=torch.long, device=gt_idx.device)[:, None]
        flat = gt_idx + batch * n_max
        t_labels = gt_labels.long().flatten()[flat].clamp_(0)
        t_bboxes = gt_bboxes.view(-1, 4)[flat]
        t_scores = F.one_hot(t_labels, self.nc).float() * (fg[:, :, None] > 0)
        align = align * mask_pos
        pos_align = align.amax(-1, keepdim=True)
        pos_over = (overlaps * mask_pos).amax(-1, keepdim=True)
        norm = (align * pos_over / (pos_align + self.eps)).amax(-2).unsqueeze(-1)
        return t_bboxes, t_scores * norm, fg > 0

    def _candidates(self, xy, strides, gt, eps: float = 1e-9):
        lt, rb = gt.view(-1, 1, 4).chunk(2, 2)
        centre = (lt + rb) / 2
        half = ((rb - lt) / 2).maximum(strides.view(1, -1, 1) * 0.5 + eps)
        d = (xy[None] - centre).abs() - half
        return (d.amax(-1) < 0).view(gt.shape[0], gt.shape[1], -1).to(gt.dtype)

    def _metrics(self, pd_scores, pd_bboxes, gt_labels, gt_bboxes, mask):
        bs, n_max = gt_bboxes.shape[:2]
        na = pd_bboxes.shape[1]
        mask = mask.bool()
        overlaps = torch.zeros((bs, n_max, na), dtype=pd_bboxes.dtype, device=pd_bboxes.device)
        scores = torch.zeros_like(overlaps)
        ind_b = torch.arange(bs, device=pd_bboxes.device).view(-1, 1).expand(-1, n_max)
        cls = gt_labels.squeeze(-1).long()
        scores[mask] = pd_scores[ind_b, :, cls][mask]
        pd = pd_bboxes.unsqueeze(1).expand(-1, n_max, -1, -1)[mask]
        gt = gt_bboxes.unsqueeze(2).expand(-1, -1, na, -1)[mask]
        overlaps[mask] = bbox_iou(gt, pd, ciou=True).squeeze(-1).clamp_(0)
        return scores.pow(self.alpha) * overlaps.pow(self.beta), overlaps

    def _topk(self, metrics, topk_mask):
        vals, idxs = torch.topk(metrics, self.topk, dim=-1, largest=True)
        idxs.masked_fill_(~topk_mask, 0)
        count = torch.zeros(metrics.shape, dtype=torch.int8, device=metrics.device)
        ones = torch.ones_like(idxs[:, :, :1], dtype=torch.int8)
        for k in range(self.topk):
            count.scatter_add_(-1, idxs[:, :, k:k + 1], ones)
        count.masked_fill_(count > 1, 0)
        return count.to(metrics.dtype)


def smooth_ln(x, sigma: float = 0.5):
    """Repulsion loss's penalty (Wang et al., "Repulsion Loss: Detecting Pedestrians in a Crowd",
    CVPR 2018): -ln(1 - x) up to sigma, then the tangent line, so an overlap near 1 costs a
    bounded amount and a bounded gradient."""
    x = x.clamp(0, 1)
    below = -torch.log1p(-x.clamp(max=sigma))
    return torch.where(x <= sigma, below, (x - sigma) / (1 - sigma) - math.log(1 - sigma))


def repulsion_gt(pred, target, gts, sigma: float = 0.5, eps: float = 1e-7):
    """RepGT (Wang et al. 2018) for anchor-free boxes. pred, target: [P, 4] xyxy, a positive
    anchor's predicted box and the ship it is assigned; gts: [P, M, 4] the labelled ships of its
    image, padding rows all zero. Per anchor: smooth_ln of the share of the *other* ship it
    overlaps most (by IoU) that the predicted box covers (intersection over that ship's area),
    0 where it overlaps none. It pushes a box off the neighbours of its ship, the merged boxes
    of ships moored side by side (train/README.md, "Repulsion")."""
    with torch.no_grad():
        other = (gts != target[:, None]).any(-1) & (gts.sum(-1) > 0)            # [P, M]
        iou = bbox_iou(pred[:, None], gts).squeeze(-1).masked_fill(~other, -1.0)
        best, j = iou.max(-1)
    rep = gts.gather(1, j.view(-1, 1, 1).expand(-1, 1, 4)).squeeze(1)             # [P, 4]
    iog = intersection(pred, rep).squeeze(-1) / ((rep[:, 2:] - rep[:, :2]).prod(-1) + eps)
    return torch.where(best > 0, smooth_ln(iog, sigma), torch.zeros_like(iog))


def bbox2dist(anchor_points, bbox, reg_max):
    x1y1, x2y2 = bbox.chunk(2, -1)
    return torch.cat((anchor_points - x1y1, x2y2 - anchor_points), -1).clamp_(0, reg_max - 1 - 0.01)


def split_head(feats, reg_max: int, nc: int):
    """Raw head outputs, a list of [B, 4 * reg_max + nc, h, w] per level, as anchor-major
    box-bin logits [B, A, 4 * reg_max] and class logits [B, A, nc] (levels concatenated)."""
    B = feats[0].shape[0]
    pred = torch.cat([f.view(B, 4 * reg_max + nc, -1) for f in feats], 2).permute(0, 2, 1)
    dist, cls = pred.split((reg_max * 4, nc), 2)
    return dist.contiguous(), cls.contiguous()


class DetectionLoss:
    """The YOLOv8 loss. A target labelled `nc` (one past the last class) is a superclass: an
    object of one of the classes in `superclass`, without saying which (SSDD's "ship" is a
    `vessel` or a `fishing` vessel). Its anchors are assigned and trained on the larger of those
    classes' scores, and the scores' split between them is left to the data that does say
    (Ultralytics has no such label; batches without one take exactly Ultralytics' path).

    `repulsion` > 0 adds RepGT (`repulsion_gt`) at that gain, weighted per anchor as the box
    loss is: an opt-in experiment for ships moored side by side; 0 (the default, the recipe)
    leaves the loss as it was. The parts are (box, cls, dfl, repulsion)."""

    def __init__(self, model, box: float = 7.5, cls: float = 0.5, dfl: float = 1.5,
                 superclass: tuple[int, ...] = (0, 1), repulsion: float = 0.0):
        head = model.detect
        self.nc, self.reg_max = head.nc, head.reg_max
        self.strides = head.stride.tolist()
        self.gains = (box, cls, dfl, repulsion)
        self.assigner = TaskAlignedAssigner(topk=10, num_classes=self.nc)
        self.superclass = list(superclass)
        self.assigner_super = TaskAlignedAssigner(topk=10, num_classes=self.nc + 1)
        self.proj = torch.arange(self.reg_max, dtype=torch.float)
        self.bce = nn.BCEWithLogitsLoss(reduction="none")

    def __call__(self, feats, targets):
        """feats: list of [B, no, h, w]; targets: [K, 6] rows (batch_idx, cls, x1, y1, x2, y2) in px."""
        B = feats[0].shape[0]
        pred_distri, pred_scores = split_head(feats, self.reg_max, self.nc)
        anchors, stride_t = make_anchors(feats, self.strides, 0.5)

        n_max = int(torch.bincount(targets[:, 0].long(), minlength=B).max()) if len(targets) else 0
        gt = torch.zeros(B, n_max, 5, device=targets.device)
        for b in range(B):
            rows = targets[targets[:, 0] == b, 1:]
            gt[b, :len(rows)] = rows
        gt_labels, gt_bboxes = gt.split((1, 4), 2)
        mask_gt = (gt_bboxes.sum(2, keepdim=True) > 0).float()

        a, c = pred_distri.shape[1], pred_distri.shape[2]
        dist = pred_distri.view(B, a, 4, c // 4).softmax(3).matmul(self.proj.to(pred_distri.device))
        pred_bboxes = dist2bbox(dist, anchors, xywh=False)                     # grid units

        # A superclass label, where the batch has one, gets a score channel of its own: the
        # largest of its classes' logits (sigmoid is monotone, so also of their scores).
        has_super = bool(len(targets)) and bool((targets[:, 1] == self.nc).any())
        logits, assigner = pred_scores, self.assigner
        if has_super:
            logits = torch.cat((pred_scores, pred_scores[..., self.superclass].amax(-1, keepdim=True)), -1)
            assigner = self.assigner_super
        t_bboxes, t_scores, fg = assigner(
            logits.detach().sigmoid(), (pred_bboxes.detach() * stride_t).type(gt_bboxes.dtype),
            anchors * stride_t, stride_t, gt_labels, gt_bboxes, mask_gt)
        t_sum = max(t_scores.sum(), 1.0)
        bce = self.bce(logits, t_scores)
        if has_super:
            # At a superclass box's anchors only the superclass channel and the classes outside it
            # learn; elsewhere the superclass channel is not a class of its own and adds nothing.
            sup = (t_scores[..., self.nc] > 0).unsqueeze(-1)
            cls_weight = torch.ones_like(bce)
            cls_weight[..., self.superclass] = (~sup).to(bce.dtype).expand(-1, -1, len(self.superclass))
            cls_weight[..., self.nc:] = sup.to(bce.dtype)
            bce = bce * cls_weight
        loss_cls = bce.sum() / t_sum
        loss_box = loss_dfl = loss_rep = torch.zeros((), device=pred_scores.device)
        if fg.any():
            weight = t_scores.sum(-1)[fg].unsqueeze(-1)
            if self.gains[3]:
                px = stride_t.expand(B, -1, -1)[fg]                                 # [P, 1]
                rep = repulsion_gt(pred_bboxes[fg] * px, t_bboxes[fg], gt_bboxes[fg.nonzero()[:, 0]])
                loss_rep = (rep.unsqueeze(-1) * weight).sum() / t_sum
            t_bboxes = t_bboxes / stride_t
            iou = bbox_iou(pred_bboxes[fg], t_bboxes[fg], ciou=True)
            loss_box = ((1.0 - iou) * weight).sum() / t_sum
            t_ltrb = bbox2dist(anchors, t_bboxes, self.reg_max)
            loss_dfl = (self._dfl(pred_distri[fg].view(-1, self.reg_max), t_ltrb[fg]) * weight).sum() / t_sum
        parts = torch.stack((loss_box, loss_cls, loss_dfl, loss_rep)) * torch.tensor(self.gains, device=loss_box.device)
        return parts.sum() * B, parts.detach()

    @staticmethod
    def _dfl(pred_dist, target):
        tl = target.long()
        tr = tl + 1
        wl = tr - target
        wr = 1 - wl
        return (F.cross_entropy(pred_dist, tl.view(-1), reduction="none").view(tl.shape) * wl +
                F.cross_entropy(pred_dist, tr.view(-1), reduction="none").view(tl.shape) * wr).mean(-1, keepdim=True)


class DistillationLoss:
    """Learning without forgetting, for adapting the stage-1 model to synthetic chips.

    Adapting to Sentinel-1 chips costs SSDD accuracy, most of it on inshore ships
    (models/sarwatch-yolov8-sar.md, "What would close the gap", item 4). Here the
    frozen stage-1 model (the teacher) sees the same batch; on anchors where it is
    confident (a class probability above `tau`) and whose cell lies on SSDD pixels
    (`source`, from the augmenter), the student is pulled towards the teacher's class
    probabilities (BCE against soft targets) and its box distributions (KL divergence
    of the DFL bins). Chip pixels are left to the labels: there the teacher is the
    model that found 27 % of the vessels.
    """

    def __init__(self, model, tau: float = 0.25, gain: float = 1.0):
        head = model.detect
        self.nc, self.reg_max = head.nc, head.reg_max
        self.strides = [int(s) for s in head.stride.tolist()]
        self.tau, self.gain = tau, gain

    def anchors_on_source(self, feats, source):
        """source: [B, 1, S, S] in {0, 1}; returns [B, A]: the anchor's cell is mostly source pixels."""
        cells = [F.avg_pool2d(source, s, s).flatten(1) for s in self.strides]
        for c, f in zip(cells, feats):
            if c.shape[1] != f.shape[2] * f.shape[3]:
                raise ValueError(f"source map {tuple(source.shape)} does not match a {tuple(f.shape[2:])} feature map")
        return torch.cat(cells, 1) > 0.5

    def __call__(self, student, teacher, source):
        """student, teacher: lists of [B, no, h, w] (raw head outputs); returns (loss, detached part)."""
        B = student[0].shape[0]
        s_dist, s_cls = split_head(student, self.reg_max, self.nc)
        t_dist, t_cls = (x.detach() for x in split_head(teacher, self.reg_max, self.nc))
        t_prob = t_cls.sigmoid()
        keep = (t_prob.amax(2) > self.tau) & self.anchors_on_source(student, source)
        n = int(keep.sum())
        if n == 0:
            zero = s_cls.sum() * 0.0  # keeps the graph, adds nothing
            return zero, torch.zeros((), device=s_cls.device)
        # BCE against soft targets minus the targets' own entropy: 0 when the student agrees.
        p = t_prob[keep]
        cls = (F.binary_cross_entropy_with_logits(s_cls[keep], p, reduction="sum")
               - F.binary_cross_entropy_with_logits(t_cls[keep], p, reduction="sum")) / n
        box = F.kl_div(F.log_softmax(s_dist[keep].view(-1, self.reg_max), 1),
                       F.softmax(t_dist[keep].view(-1, self.reg_max), 1), reduction="sum") / n
        part = self.gain * (cls + box)
        return part * B, part.detach()
