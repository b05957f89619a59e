import type { ErrorBody, UploadResponse } from '../../../api/contract';
import { ApiError } from './api-error';

/**
 * `POST /api/attachments` over XMLHttpRequest, the one browser API that reports how much of a request body went
 * out (fetch cannot, issue #18: an upload progress bar). The body is the file itself (application/octet-stream).
 */
export function uploadFile(file: Blob, name: string, onProgress: (fraction: number) => void): Promise<UploadResponse> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/attachments?${new URLSearchParams({ name })}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'));
    xhr.onabort = () => reject(new ApiError(0, 'network', 'upload aborted'));
    xhr.onload = () => {
      const body = xhr.response as UploadResponse | ErrorBody | null;
      if (xhr.status === 201 && body && 'attachment' in body) return resolve(body);
      if (body && 'error' in body) return reject(new ApiError(xhr.status, body.error.code, body.error.message));
      reject(new ApiError(xhr.status, xhr.status >= 500 ? 'internal' : 'invalid_request', `HTTP ${xhr.status}`));
    };
    xhr.send(file);
  });
}
